// The status page: a server-rendered snapshot that its inline script keeps fresh.
#include "serve/page.hpp"

#include <nlohmann/json.hpp>
#include <sstream>

#include "serve/documents.hpp"

namespace migrate::serve {

namespace {

const char* const k_style = R"css(
:root{color-scheme:light dark;--ok:#1a7f37;--warn:#9a6700;--bad:#cf222e;--muted:#6e7781}
body{font:15px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;padding:1rem;max-width:80rem}
h1{font-size:1.4rem;margin:0 0 .3rem}h2{font-size:1.1rem;margin:1.4rem 0 .4rem}
.meta{color:var(--muted);margin:.2rem 0}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #8884;white-space:nowrap}
th{font-weight:600}
.state{font-weight:700}
.s-up_to_date{color:var(--ok)}.s-pending,.s-locked{color:var(--warn)}.s-drift,.s-dirty,.s-error{color:var(--bad)}
.banner{background:var(--bad);color:#fff;padding:.6rem .8rem;border-radius:.3rem;margin:.6rem 0}
.err{color:var(--bad);white-space:normal}
@media (max-width:40rem){body{padding:.5rem;font-size:14px}th,td{padding:.3rem}}
)css";

// Renders the API's documents into the page; textContent only, so no text is ever markup.
const char* const k_script = R"js(
(function () {
  'use strict';
  var body = document.body;
  var refresh = Number(body.getAttribute('data-refresh-ms')) || 30000;
  var updated = Date.now();
  var refreshes = 0;
  function text(v) { return v === null || v === undefined || v === '' ? '-' : String(v); }
  function cell(v, cls) {
    var td = document.createElement('td');
    td.textContent = text(v);
    if (cls) td.className = cls;
    return td;
  }
  function fill(id, rows) {
    var tbody = document.querySelector('#' + id + ' tbody');
    while (tbody.firstChild) tbody.removeChild(tbody.firstChild);
    rows.forEach(function (cells) {
      var tr = document.createElement('tr');
      if (cells.service) tr.setAttribute('data-service', cells.service);
      cells.cells.forEach(function (td) { tr.appendChild(td); });
      tbody.appendChild(tr);
    });
  }
  function banner(message) {
    var b = document.getElementById('banner');
    b.textContent = message || '';
    b.hidden = !message;
  }
  function get(path) {
    return fetch(path, { cache: 'no-store', credentials: 'same-origin' }).then(function (r) {
      if (!r.ok) throw new Error(path + ': HTTP ' + r.status);
      return r.json();
    });
  }
  function render(status, audit, backups) {
    var overall = document.getElementById('overall');
    overall.textContent = status.overall_status + ' (' + status.total_pending + ' pending)';
    overall.className = 'state s-' + status.overall_status;
    var down = [];
    var rows = Object.keys(status.services).map(function (name) {
      var s = status.services[name];
      if (s.status === 'error') down.push(name + ': ' + s.error);
      return { service: name, cells: [cell(name), cell(s.status, 'state s-' + s.status),
        cell(s.current_revision), cell(s.latest_revision), cell(s.applied), cell(s.pending),
        cell(s.last_applied_at), cell(s.lock ? s.lock.holder : null), cell(s.database)] };
    });
    fill('services', rows);
    if (status.error) down.push(status.error);
    banner(down.length ? 'Unreachable: ' + down.join('; ') : '');
    fill('audit', audit.events.map(function (e) {
      return { cells: [cell(e.ts), cell(e.event, e.ok === false ? 'err' : ''), cell(e.service),
        cell(e.version), cell(e.command), cell(e.user), cell(e.error, 'err')] };
    }));
    fill('backups', Object.keys(backups.services).map(function (name) {
      var b = backups.services[name][0];
      return { cells: [cell(name), cell(b ? b.file : null), cell(b ? b.timestamp : null),
        cell(b ? b.size_bytes : null)] };
    }));
  }
  function tick() {
    Promise.all([get('api/migrations/status'), get('api/audit?limit=20'), get('api/backups')])
      .then(function (v) {
        render(v[0], v[1], v[2]);
        updated = Date.now();
        refreshes += 1;
        body.setAttribute('data-refreshes', String(refreshes));
        age();
      })
      .catch(function (e) { banner('The server is unreachable (' + e.message + '); showing the last data.'); });
  }
  function age() {
    document.getElementById('updated').textContent =
      'last updated ' + Math.round((Date.now() - updated) / 1000) + ' s ago';
  }
  setInterval(tick, refresh);
  setInterval(age, 1000);
  age();
})();
)js";

std::string cell(const std::string& text, const std::string& css = {}) {
  const std::string shown = text.empty() ? "-" : html_escape(text);
  return css.empty() ? "<td>" + shown + "</td>" : "<td class=\"" + css + "\">" + shown + "</td>";
}

std::string version_cell(const std::optional<Version>& version) {
  return cell(version ? format_version(*version) : "");
}

void service_rows(std::ostringstream& out, const Snapshot& snapshot) {
  for (const status::ServiceStatus& s : snapshot.services) {
    const std::string state(status::to_string(s.state));
    out << "<tr data-service=\"" << html_escape(s.service) << "\">" << cell(s.service)
        << cell(state, "state s-" + state) << version_cell(s.current) << version_cell(s.latest)
        << cell(std::to_string(s.applied)) << cell(std::to_string(s.pending)) << cell(s.last_applied_at)
        << cell(s.lock ? s.lock->holder : "") << cell(s.database) << "</tr>\n";
  }
}

void audit_rows(std::ostringstream& out, const std::vector<std::string>& lines) {
  for (const std::string& line : lines) {
    const nlohmann::json event = nlohmann::json::parse(line, nullptr, false);
    const auto field = [&](const char* name) {
      const auto it = event.find(name);
      if (it == event.end() || it->is_null()) return std::string();
      return it->is_string() ? it->get<std::string>() : it->dump();
    };
    const bool failed = event.value("ok", true) == false;
    out << "<tr>" << cell(field("ts")) << cell(field("event"), failed ? "err" : "") << cell(field("service"))
        << cell(field("version")) << cell(field("command")) << cell(field("user")) << cell(field("error"), "err")
        << "</tr>\n";
  }
}

void backup_rows(std::ostringstream& out, const std::vector<orchestrate::ServiceBackups>& backups) {
  for (const orchestrate::ServiceBackups& service : backups) {
    out << "<tr>" << cell(service.service);
    if (service.files.empty()) {
      out << cell("") << cell("") << cell("");
    } else {
      const backup::BackupFile& newest = service.files.front();
      out << cell(newest.path.filename().string()) << cell(newest.timestamp) << cell(std::to_string(newest.size));
    }
    out << "</tr>\n";
  }
}

std::string unreachable(const Snapshot& snapshot) {
  std::string message = snapshot.error;
  for (const status::ServiceStatus& s : snapshot.services) {
    if (s.state != status::State::error) continue;
    message += (message.empty() ? "" : "; ") + s.service + ": " + s.error;
  }
  return message;
}

}  // namespace

std::string html_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string render_page(const PageData& data) {
  const Snapshot& snapshot = data.snapshot;
  const Json status = status_document(snapshot);
  const std::string overall = status.at("overall_status").get<std::string>();
  const std::string down = unreachable(snapshot);
  std::ostringstream out;
  out << "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      << "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
      << "<title>migrate: migration status</title><style nonce=\"" << data.nonce << "\">" << k_style
      << "</style></head>\n<body data-refresh-ms=\"" << data.refresh.count() << "\" data-refreshes=\"0\">\n"
      << "<h1>Migration status</h1>\n<p class=\"meta\">Overall: <span id=\"overall\" class=\"state s-" << overall
      << "\">" << html_escape(overall) << " (" << status.at("total_pending").get<std::size_t>()
      << " pending)</span></p>\n<p class=\"meta\" id=\"updated\">generated at " << html_escape(snapshot.generated_at)
      << "</p>\n<div id=\"banner\" class=\"banner\" role=\"alert\"" << (down.empty() ? " hidden>" : ">")
      << (down.empty() ? "" : "Unreachable: " + html_escape(down))
      << "</div>\n<h2>Services</h2>\n<div class=\"scroll\"><table id=\"services\"><thead><tr><th>Service</th>"
      << "<th>State</th><th>Current</th><th>Latest</th><th>Applied</th><th>Pending</th><th>Last applied</th>"
      << "<th>Lock holder</th><th>Database</th></tr></thead><tbody>\n";
  service_rows(out, snapshot);
  out << "</tbody></table></div>\n<h2>Newest backup per service</h2>\n<div class=\"scroll\"><table id=\"backups\">"
      << "<thead><tr><th>Service</th><th>File</th><th>Taken (UTC)</th><th>Bytes</th></tr></thead><tbody>\n";
  backup_rows(out, data.backups);
  out << "</tbody></table></div>\n<h2>Last audit events</h2>\n<div class=\"scroll\"><table id=\"audit\">"
      << "<thead><tr><th>Time (UTC)</th><th>Event</th><th>Service</th><th>Version</th><th>Command</th>"
      << "<th>User</th><th>Error</th></tr></thead><tbody>\n";
  audit_rows(out, data.audit_lines);
  out << "</tbody></table></div>\n<script nonce=\"" << data.nonce << "\">" << k_script << "</script>\n</body></html>\n";
  return out.str();
}

}  // namespace migrate::serve
