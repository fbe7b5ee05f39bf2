// Reading key-value exports: both formats, their detection, compact values, and the exact
// place named by each kind of bad input.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "migrate/source/kv_export.hpp"
#include "migrate/util/error.hpp"
#include "support/temp_dir.hpp"

namespace fs = std::filesystem;
using migrate::UsageError;
using migrate::source::KvExportReader;
using migrate::source::KvFormat;
using migrate::source::KvPair;

namespace {

struct Read {
  KvFormat format;
  std::vector<std::string> pairs;  ///< "key=value@where"
};

Read read_all(const fs::path& file) {
  KvExportReader reader(file);
  Read read{reader.format(), {}};
  reader.for_each([&](const KvPair& pair) { read.pairs.push_back(pair.key + "=" + pair.value + "@" + pair.where); });
  return read;
}

std::vector<std::string> without_places(std::vector<std::string> pairs) {
  for (std::string& pair : pairs) pair.erase(pair.rfind('@'));
  return pairs;
}

// The UsageError message of reading file whole; fails the test when there is none.
std::string usage_error_of(const fs::path& file) {
  try {
    read_all(file);
  } catch (const UsageError& e) {
    return e.what();
  }
  FAIL("no UsageError reading " << file);
  return {};
}

const std::vector<std::string> k_expected{
    R"(100={"modRoles":["7","8"],"prefix":"!"})",
    R"(200=[1,2.5,"x",null,true,{}])",
    R"(300="text with \"quotes\" and é")",
};

}  // namespace

TEST_CASE("an Enmap document yields its keys in order, values compact, other members skipped", "[unit][kv_export]") {
  const migrate::test::TempDir dir;
  const fs::path file = dir.write("export.json", R"({
  "name": "settings",
  "meta": {"keys": [{"key": "decoy", "value": 0}], "nested": [[{"keys": 1}]]},
  "keys": [
    {"key": "100", "value": {"prefix": "!", "modRoles": ["7", "8"]}},
    {"value": [1, 2.50, "x", null, true, {}], "key": "200"},
    {"key": "300", "value": "text with \"quotes\" and \u00e9"}
  ],
  "exportDate": 1718400000000
}
)");
  const Read read = read_all(file);
  CHECK(read.format == KvFormat::enmap_document);
  CHECK(without_places(read.pairs) == k_expected);
  INFO("each pair's place is the byte of its '{', counting from 1");
  CHECK(read.pairs[0].substr(read.pairs[0].rfind('@')) == "@byte 120");
}

TEST_CASE("JSON Lines yield the same pairs; blank lines, CRLF and a BOM are allowed", "[unit][kv_export]") {
  const migrate::test::TempDir dir;
  const fs::path file = dir.write("export.jsonl",
                                  "\xEF\xBB\xBF"
                                  "{\"key\": \"100\", \"value\": {\"prefix\": \"!\", \"modRoles\": [\"7\", \"8\"]}}\r\n"
                                  "\n"
                                  "   \r\n"
                                  "{\"value\": [1, 2.50, \"x\", null, true, {}], \"key\": \"200\"}\n"
                                  "{\"key\":\"300\",\"value\":\"text with \\\"quotes\\\" and \\u00e9\"}");
  const Read read = read_all(file);
  CHECK(read.format == KvFormat::json_lines);
  CHECK(without_places(read.pairs) == k_expected);
  CHECK(read.pairs[1].substr(read.pairs[1].rfind('@')) == "@line 4");
}

TEST_CASE("the format is told by the first member of the first object", "[unit][kv_export]") {
  const migrate::test::TempDir dir;
  CHECK(read_all(dir.write("a", "  \n {\"value\": 1, \"key\": \"a\"}\n")).format == KvFormat::json_lines);
  CHECK(read_all(dir.write("b", "{\"key\": \"a\", \"value\": 1}")).format == KvFormat::json_lines);
  const Read empty_keys = read_all(dir.write("c", "{\"keys\": []}"));
  CHECK(empty_keys.format == KvFormat::enmap_document);
  CHECK(empty_keys.pairs.empty());
  CHECK(read_all(dir.write("d", "{\"name\":\"x\",\"keys\":[{\"key\":\"k\",\"value\":{}}]}")).pairs ==
        std::vector<std::string>{"k={}@byte 21"});
}

TEST_CASE("the discord-bot fixture reads the same five pairs in both formats", "[unit][kv_export]") {
  const fs::path fixtures = fs::path(MIGRATE_SOURCE_DIR) / "services/discord-bot/fixtures";
  const Read document = read_all(fixtures / "settings-export.json");
  const Read lines = read_all(fixtures / "settings-export.jsonl");
  CHECK(document.format == KvFormat::enmap_document);
  CHECK(lines.format == KvFormat::json_lines);
  CHECK(document.pairs.size() == 5);
  CHECK(without_places(document.pairs) == without_places(lines.pairs));
}

TEST_CASE("a syntax error in JSON Lines names the file, the line and the column", "[unit][kv_export]") {
  const migrate::test::TempDir dir;
  const fs::path file = dir.write("bad.jsonl",
                                  "{\"key\": \"a\", \"value\": 1}\n"
                                  "{\"key\": \"b\", \"value\": 2}\n"
                                  "{\"key\": \"c\", \"value\": nope}\n"
                                  "{\"key\": \"d\", \"value\": 4}\n");
  const std::string error = usage_error_of(file);
  CHECK_THAT(error, Catch::StartsWith(file.string() + ": line 3: invalid JSON at column "));
  CHECK_THAT(error, Catch::Contains("syntax error"));
  CHECK_THAT(error, !Catch::Contains("json.exception"));
}

TEST_CASE("a truncated document names the byte offset where it ends", "[unit][kv_export]") {
  const migrate::test::TempDir dir;
  const std::string text = "{\"name\": \"s\", \"keys\": [{\"key\": \"a\", \"value\": 1}, {\"key\": \"b\", ";
  const fs::path file = dir.write("cut.json", text);
  const std::string error = usage_error_of(file);
  CHECK_THAT(error, Catch::StartsWith(file.string() + ": invalid JSON at byte " + std::to_string(text.size()) +
                                          " (the end of the file): "));
  CHECK_THAT(error, Catch::Contains("unexpected end of input"));

  const fs::path inside_string = dir.write("cut2.json", "{\"keys\": [{\"key\": \"a\", \"val");
  CHECK_THAT(usage_error_of(inside_string), Catch::Contains("invalid JSON at byte 27 (the end of the file): "));
}

TEST_CASE("text after the document is a syntax error", "[unit][kv_export]") {
  const migrate::test::TempDir dir;
  const fs::path file = dir.write("two.json", "{\"keys\": []}\n{\"keys\": []}\n");
  CHECK_THAT(usage_error_of(file), Catch::StartsWith(file.string() + ": invalid JSON at byte 14: "));
}

TEST_CASE("JSON Lines of the wrong shape name the line and what is wrong", "[unit][kv_export]") {
  const migrate::test::TempDir dir;
  using Case = std::pair<std::string, std::string>;
  const auto [line, message] = GENERATE(values<Case>({
      {R"({"key": 5, "value": 1})", "\"key\" must be a string, not number"},
      {R"({"key": ["a"], "value": 1})", "\"key\" must be a string, not array"},
      {R"({"key": "a"})", "missing \"value\" for key \"a\""},
      {R"({"value": 1, "note": 2})", "unexpected member \"note\""},
      {R"({"value": 1})", "missing \"key\""},
      {R"({"key": "a", "value": 1, "key": "b"})", "\"key\" appears twice in one element"},
      {R"(["a", 1])", "found an array"},
      {R"("a")", "found string"},
  }));
  INFO("line 2: " << line);
  const fs::path file = dir.write("shape.jsonl", "{\"key\": \"ok\", \"value\": 0}\n" + line + "\n");
  const std::string error = usage_error_of(file);
  CHECK_THAT(error, Catch::StartsWith(file.string() + ": line 2: "));
  CHECK_THAT(error, Catch::Contains(message));
}

TEST_CASE("a document of the wrong shape names the byte offset and what is wrong", "[unit][kv_export]") {
  const migrate::test::TempDir dir;
  using Case = std::pair<std::string, std::string>;
  const auto [text, message] = GENERATE(values<Case>({
      {R"({"name": "s"})", "byte 13: no \"keys\" array"},
      {R"({"name": "s", "keys": {"a": 1}})", "\"keys\" must be an array, not an object"},
      {R"({"name": "s", "keys": "a"})", "\"keys\" must be an array, not string"},
      {R"({"keys": [], "keys": []})", "\"keys\" appears twice"},
      {R"({"keys": [{"key": "a", "value": 1}, 7]})", "keys[2] must be {\"key\": \"…\", \"value\": …}, not number"},
      {R"({"keys": [{"key": "a", "value": 1}, {"key": "b"}]})", "byte 37 (keys[2]): missing \"value\" for key \"b\""},
      {R"({"keys": [{"key": 1, "value": 1}]})", "byte 11 (keys[1]): \"key\" must be a string, not number"},
      {R"({"keys": [{"key": "a", "value": {"x": 1}, "extra": 2}]})", "(keys[1]): unexpected member \"extra\""},
  }));
  INFO(text);
  const fs::path file = dir.write("shape.json", text);
  const std::string error = usage_error_of(file);
  CHECK_THAT(error, Catch::StartsWith(file.string() + ": byte "));
  CHECK_THAT(error, Catch::Contains(message));
}

TEST_CASE("a missing, empty or non-JSON file is a usage error naming it", "[unit][kv_export]") {
  const migrate::test::TempDir dir;
  const fs::path missing = dir.path() / "missing.json";
  CHECK_THROWS_WITH(KvExportReader(missing), Catch::StartsWith("cannot read " + missing.string() + ": "));
  CHECK_THROWS_WITH(KvExportReader(dir.path()), Catch::Contains("it is a folder"));
  const fs::path empty = dir.write("empty.json", " \n\t\n");
  CHECK_THROWS_WITH(KvExportReader(empty), Catch::StartsWith(empty.string() + " is empty"));
  const fs::path array = dir.write("array.json", "\n [{\"key\": \"a\", \"value\": 1}]");
  CHECK_THROWS_WITH(KvExportReader(array), Catch::StartsWith(array.string() + ": byte 3: expected '{'"));
  CHECK_THROWS_AS(KvExportReader(array), UsageError);
}
