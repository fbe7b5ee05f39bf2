// Key-value exports through nlohmann::json's SAX interface: the document handler builds one
// element of "keys" at a time and hands it on, so a file of any size is read in the memory
// of its largest pair; JSON Lines are parsed line by line with the same element builder.
#include "migrate/source/kv_export.hpp"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string_view>
#include <utility>
#include <vector>

#include "migrate/util/error.hpp"

namespace migrate::source {

namespace {

using json = nlohmann::json;

constexpr const char* k_element_shape = "{\"key\": \"…\", \"value\": …}";

// A syntax error found by nlohmann's parser; the reader adds the file and the place.
struct SyntaxError {
  std::size_t position;  // bytes read when the error was found (counting from 1)
  std::string detail;
};

// Valid JSON of the wrong shape; the reader adds the file and the place.
class ShapeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// "syntax error while parsing …" without nlohmann's "[json.exception…] parse error at …: " prefix.
std::string parse_error_detail(const std::string& what) {
  const std::size_t start = what.find("parse error");
  const std::size_t colon = start == std::string::npos ? std::string::npos : what.find(": ", start);
  return colon == std::string::npos ? what : what.substr(colon + 2);
}

// Receives nlohmann's SAX events as four calls: a scalar, the start of a container (an
// empty object or array), an object member's name and the end of a container.
class SaxHandler {
 public:
  virtual ~SaxHandler() = default;

  bool null() { return scalar(json(nullptr)); }
  bool boolean(bool value) { return scalar(json(value)); }
  bool number_integer(json::number_integer_t value) { return scalar(json(value)); }
  bool number_unsigned(json::number_unsigned_t value) { return scalar(json(value)); }
  bool number_float(json::number_float_t value, const json::string_t&) { return scalar(json(value)); }
  bool string(json::string_t& value) { return scalar(json(std::move(value))); }
  bool binary(json::binary_t&) { throw ShapeError("binary values are not JSON"); }
  bool start_object(std::size_t) { return start(json::object()); }
  bool key(json::string_t& name) { return member(std::move(name)); }
  bool end_object() { return end(); }
  bool start_array(std::size_t) { return start(json::array()); }
  bool end_array() { return end(); }
  bool parse_error(std::size_t position, const std::string&, const json::exception& error) {
    throw SyntaxError{position, parse_error_detail(error.what())};
  }

 protected:
  virtual bool scalar(json value) = 0;
  virtual bool start(json container) = 0;
  virtual bool member(std::string name) = 0;
  virtual bool end() = 0;
};

// Builds one JSON value from events, the way nlohmann's own DOM parser does.
class ValueBuilder {
 public:
  bool done() const { return m_done; }
  const json& value() const { return m_root; }

  void scalar(json value) { insert(std::move(value)); }
  void start(json container) {
    json* inserted = insert(std::move(container));
    m_stack.push_back(inserted);
    m_done = false;
  }
  void member(std::string name) { m_member = std::move(name); }
  void end() {
    m_stack.pop_back();
    m_done = m_stack.empty();
  }

 private:
  // Pointers on the stack stay valid: only the innermost container grows while they are held.
  json* insert(json value) {
    if (m_stack.empty()) {
      m_root = std::move(value);
      m_done = true;
      return &m_root;
    }
    json& parent = *m_stack.back();
    if (parent.is_array()) {
      parent.push_back(std::move(value));
      return &parent.back();
    }
    json& slot = parent[m_member];
    slot = std::move(value);
    return &slot;
  }

  json m_root;
  std::vector<json*> m_stack;
  std::string m_member;
  bool m_done = false;
};

// Builds one element {"key": "…", "value": …} from its events, starting with its '{'.
class PairBuilder {
 public:
  bool active() const { return m_depth > 0; }
  const std::string& key() const { return m_key; }
  std::string value_text() const { return m_value.value().dump(); }

  void scalar(json value) {
    if (m_depth > 1) return m_value.scalar(std::move(value));
    if (take_member() == Member::key) {
      if (!value.is_string()) throw ShapeError(std::string("\"key\" must be a string, not ") + value.type_name());
      m_key = value.get<std::string>();
      return;
    }
    m_value.scalar(std::move(value));
  }

  void start(json container) {
    if (m_depth == 0) {
      if (!container.is_object()) throw ShapeError(std::string("expected ") + k_element_shape + ", found an array");
      m_depth = 1;
      m_seen_key = m_seen_value = false;
      return;
    }
    if (m_depth == 1 && take_member() == Member::key) {
      throw ShapeError(std::string("\"key\" must be a string, not ") + container.type_name());
    }
    m_value.start(std::move(container));
    ++m_depth;
  }

  void member(std::string name) {
    if (m_depth > 1) return m_value.member(std::move(name));
    if (name != "key" && name != "value") {
      throw ShapeError("unexpected member \"" + name + "\": an element is " + k_element_shape);
    }
    bool& seen = name == "key" ? m_seen_key : m_seen_value;
    if (seen) throw ShapeError("\"" + name + "\" appears twice in one element");
    seen = true;
    m_member = name == "key" ? Member::key : Member::value;
  }

  // True when this closed the element.
  bool end() {
    if (--m_depth > 0) {
      m_value.end();
      return false;
    }
    if (!m_seen_key) throw ShapeError("missing \"key\": an element is " + std::string(k_element_shape));
    if (!m_seen_value) throw ShapeError("missing \"value\" for key \"" + m_key + "\"");
    return true;
  }

 private:
  enum class Member { none, key, value };

  Member take_member() { return std::exchange(m_member, Member::none); }

  int m_depth = 0;
  Member m_member = Member::none;
  bool m_seen_key = false;
  bool m_seen_value = false;
  std::string m_key;
  ValueBuilder m_value;
};

// One line of JSON Lines: exactly one element.
class LineHandler final : public SaxHandler {
 public:
  PairBuilder& pair() { return m_pair; }

 protected:
  bool scalar(json value) override {
    if (!m_pair.active()) throw ShapeError(std::string("expected ") + k_element_shape + ", found " + value.type_name());
    m_pair.scalar(std::move(value));
    return true;
  }
  bool start(json container) override {
    m_pair.start(std::move(container));
    return true;
  }
  bool member(std::string name) override {
    m_pair.member(std::move(name));
    return true;
  }
  bool end() override {
    m_pair.end();
    return true;
  }

 private:
  PairBuilder m_pair;
};

// The Enmap document: hands each element of the top-level "keys" array to on_pair as soon
// as it is closed; every other top-level member is skipped without being kept.
class DocumentHandler final : public SaxHandler {
 public:
  DocumentHandler(std::streambuf& input, const std::function<void(const KvPair&)>& on_pair)
      : m_input(input), m_on_pair(on_pair) {}

  // Where an error was found: the element's '{' inside "keys", else the bytes read so far.
  std::string where() {
    if (m_state == State::element) {
      return "byte " + std::to_string(m_element_start) + " (keys[" + std::to_string(m_index) + "])";
    }
    return "byte " + std::to_string(position());
  }

 protected:
  bool scalar(json value) override {
    switch (m_state) {
      case State::top:
        if (take_member() == "keys") {
          throw ShapeError(std::string("\"keys\" must be an array, not ") + value.type_name());
        }
        return true;
      case State::skip:
        return true;
      case State::keys:
        throw ShapeError("keys[" + std::to_string(m_index + 1) + "] must be " + k_element_shape + ", not " +
                         value.type_name());
      case State::element:
        m_pair.scalar(std::move(value));
        return true;
      default:
        throw ShapeError("the document must be an object with a \"keys\" array");
    }
  }

  bool start(json container) override {
    switch (m_state) {
      case State::before:
        m_state = State::top;
        return true;
      case State::top:
        if (take_member() == "keys") {
          if (!container.is_array()) throw ShapeError("\"keys\" must be an array, not an object");
          m_state = State::keys;
        } else {
          m_state = State::skip;
          m_skip_depth = 1;
        }
        return true;
      case State::skip:
        ++m_skip_depth;
        return true;
      case State::keys:
        ++m_index;
        m_element_start = position();
        m_state = State::element;
        m_pair.start(std::move(container));
        return true;
      case State::element:
        m_pair.start(std::move(container));
        return true;
      default:
        throw ShapeError("the document must be one object");
    }
  }

  bool member(std::string name) override {
    if (m_state == State::element) {
      m_pair.member(std::move(name));
    } else if (m_state == State::top) {
      if (name == "keys" && m_seen_keys) throw ShapeError("\"keys\" appears twice");
      if (name == "keys") m_seen_keys = true;
      m_member = std::move(name);
    }
    return true;
  }

  bool end() override {
    switch (m_state) {
      case State::skip:
        if (--m_skip_depth == 0) m_state = State::top;
        return true;
      case State::keys:
        m_state = State::top;
        return true;
      case State::element:
        if (m_pair.end()) {
          m_on_pair(KvPair{m_pair.key(), m_pair.value_text(), "byte " + std::to_string(m_element_start)});
          m_state = State::keys;
        }
        return true;
      default:  // the document's own '}'
        if (!m_seen_keys) throw ShapeError("no \"keys\" array: expected {\"name\": …, \"keys\": [" +
                                           std::string(k_element_shape) + ", …]} or JSON Lines");
        m_state = State::after;
        return true;
    }
  }

 private:
  enum class State { before, top, skip, keys, element, after };

  std::string take_member() { return std::exchange(m_member, std::string()); }

  // Bytes consumed so far: nlohmann reads the stream one character at a time, so after
  // a '{' this is that brace's position counting from 1.
  std::size_t position() {
    const auto offset = m_input.pubseekoff(0, std::ios_base::cur, std::ios_base::in);
    return offset < 0 ? 0 : static_cast<std::size_t>(offset);
  }

  std::streambuf& m_input;
  const std::function<void(const KvPair&)>& m_on_pair;
  State m_state = State::before;
  std::string m_member;
  bool m_seen_keys = false;
  int m_skip_depth = 0;
  std::size_t m_index = 0;  // elements of "keys" seen, counting from 1
  std::size_t m_element_start = 0;
  PairBuilder m_pair;
};

bool is_blank(const std::string& line) { return line.find_first_not_of(" \t\r") == std::string::npos; }

bool is_space(int c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

constexpr std::string_view k_bom = "\xEF\xBB\xBF";

}  // namespace

const char* to_string(KvFormat format) {
  return format == KvFormat::enmap_document ? "enmap document" : "json lines";
}

KvExportReader::KvExportReader(std::filesystem::path file) : m_file(std::move(file)) {
  const std::string name = m_file.string();
  std::error_code ec;
  if (std::filesystem::is_directory(m_file, ec)) throw UsageError("cannot read " + name + ": it is a folder");
  m_in.open(m_file, std::ios::binary);
  if (!m_in) throw UsageError("cannot read " + name + ": " + std::strerror(errno));

  // The first member name of the first object tells the formats apart: a JSON Lines record
  // begins with "key" or "value", an Enmap document with anything else ("name", "keys", …).
  std::streambuf& in = *m_in.rdbuf();
  std::size_t read = 0;
  const auto next = [&] {
    ++read;
    return in.sbumpc();
  };
  int c = next();
  for (std::size_t i = 0; i < k_bom.size() && c == static_cast<unsigned char>(k_bom[i]); ++i) c = next();
  while (is_space(c)) c = next();
  if (c == std::char_traits<char>::eof()) {
    throw UsageError(name + " is empty: expected an Enmap-style document or JSON Lines of " + k_element_shape);
  }
  if (c != '{') {
    throw UsageError(name + ": byte " + std::to_string(read) +
                     ": expected '{' (an Enmap-style document or JSON Lines of " + k_element_shape + ")");
  }
  do c = next();
  while (is_space(c));
  std::string first_member;
  if (c == '"') {
    const auto in_name = [&](int d) { return d != '"' && d != '\\' && d != std::char_traits<char>::eof(); };
    for (c = next(); in_name(c) && first_member.size() < 16; c = next()) first_member += static_cast<char>(c);
  }
  m_format = first_member == "key" || first_member == "value" ? KvFormat::json_lines : KvFormat::enmap_document;
  m_in.clear();
  m_in.seekg(0);
  if (!m_in) throw UsageError("cannot read " + name + ": it cannot be rewound");
}

void KvExportReader::for_each(const std::function<void(const KvPair&)>& on_pair) {
  if (m_format == KvFormat::json_lines) {
    read_lines(on_pair);
  } else {
    read_document(on_pair);
  }
}

void KvExportReader::read_lines(const std::function<void(const KvPair&)>& on_pair) {
  const std::string name = m_file.string();
  std::string line;
  std::size_t number = 0;
  while (std::getline(m_in, line)) {
    ++number;
    if (number == 1 && line.compare(0, k_bom.size(), k_bom) == 0) line.erase(0, k_bom.size());
    if (is_blank(line)) continue;
    LineHandler handler;
    const std::string where = "line " + std::to_string(number);
    try {
      json::sax_parse(line, &handler);
    } catch (const SyntaxError& e) {
      throw UsageError(name + ": " + where + ": invalid JSON at column " + std::to_string(e.position) + ": " +
                       e.detail);
    } catch (const ShapeError& e) {
      throw UsageError(name + ": " + where + ": " + e.what());
    }
    on_pair(KvPair{handler.pair().key(), handler.pair().value_text(), where});
  }
  if (m_in.bad()) throw UsageError("cannot read " + name + " after line " + std::to_string(number));
}

void KvExportReader::read_document(const std::function<void(const KvPair&)>& on_pair) {
  const std::string name = m_file.string();
  DocumentHandler handler(*m_in.rdbuf(), on_pair);
  try {
    json::sax_parse(m_in, &handler);  // strict: nothing but white space may follow the document
  } catch (const SyntaxError& e) {
    // nlohmann counts the end of input as one more byte read.
    std::error_code ec;
    const auto size = std::filesystem::file_size(m_file, ec);
    const bool at_end = !ec && e.position > size;
    throw UsageError(name + ": invalid JSON at byte " + std::to_string(at_end ? size : e.position) +
                     (at_end ? " (the end of the file): " : ": ") + e.detail);
  } catch (const ShapeError& e) {
    throw UsageError(name + ": " + handler.where() + ": " + e.what());
  }
}

}  // namespace migrate::source
