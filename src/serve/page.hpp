// The status page `/`: one self-contained HTML document (internal).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "migrate/orchestrate/backups.hpp"
#include "serve/status_cache.hpp"

namespace migrate::serve {

/// What the page shows when it is served: the page is a complete snapshot without script.
struct PageData {
  const Snapshot& snapshot;
  const std::vector<std::string>& audit_lines;  ///< newest first
  const std::vector<orchestrate::ServiceBackups>& backups;
  std::chrono::milliseconds refresh;
  std::string nonce;  ///< of the inline style and script, also named by the CSP header
};

/// The page: inline CSS and script (no external resource), every text HTML-escaped; the
/// script re-renders it from the API every `refresh`.
std::string render_page(const PageData& data);

/// Text with &, <, >, " and ' escaped for HTML.
std::string html_escape(const std::string& text);

}  // namespace migrate::serve
