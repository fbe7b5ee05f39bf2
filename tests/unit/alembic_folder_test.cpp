// Reading Alembic revision files as text, ordering and numbering the graph, and the
// refusals (unparsable file, duplicate id, unknown down_revision, cycle).
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "migrate/adopt/alembic_folder.hpp"
#include "migrate/util/error.hpp"
#include "support/temp_dir.hpp"

namespace fs = std::filesystem;
using migrate::UsageError;
using migrate::adopt::AlembicMap;
using migrate::adopt::AlembicRevision;
using migrate::adopt::parse_alembic_revision;
using migrate::adopt::read_alembic_folder;
using migrate::test::TempDir;

namespace {

// A revision file as `alembic revision` writes it.
std::string revision_file(const std::string& id, const std::string& down, const std::string& date,
                          const std::string& extra = "") {
  return "\"\"\"add things\n\nRevision ID: " + id + "\nRevises:\nCreate Date: " + date +
         "\n\n\"\"\"\nfrom alembic import op\n\nrevision = '" + id + "'\ndown_revision = " + down +
         "\nbranch_labels = None\n" + extra + "\n\ndef upgrade():\n    revision = 'not module level'\n";
}

std::vector<std::string> ids(const std::vector<AlembicRevision>& revisions) {
  std::vector<std::string> out;
  for (const AlembicRevision& revision : revisions) out.push_back(revision.id + "=" + revision.stem());
  return out;
}

}  // namespace

TEST_CASE("an Alembic revision file is read without Python: ids, merges, depends_on, Create Date", "[adopt][alembic]") {
  const AlembicRevision plain =
      parse_alembic_revision("v/ab12_x.py", revision_file("ab12", "'9f00'", "2024-01-02 03:04:05.1"));
  CHECK(plain.id == "ab12");
  CHECK(plain.down_revisions == std::vector<std::string>{"9f00"});
  CHECK(plain.create_date == "2024-01-02 03:04:05.1");
  CHECK(plain.message == "add things");

  const AlembicRevision merge = parse_alembic_revision(
      "v/m.py",
      "revision: str = \"m1\"\ndown_revision: Union[str, Sequence[str], None] = (\n    'a',\n    \"b\",\n)\n"
      "depends_on = ['c']  # cross-branch\n");
  CHECK(merge.id == "m1");
  CHECK(merge.down_revisions == std::vector<std::string>{"a", "b"});
  CHECK(merge.depends_on == std::vector<std::string>{"c"});

  const AlembicRevision first = parse_alembic_revision("v/f.py", "revision = 'f'\ndown_revision = None\n");
  CHECK(first.down_revisions.empty());

  CHECK_THROWS_AS(parse_alembic_revision("v/n.py", "down_revision = None\n"), UsageError);
  CHECK_THROWS_WITH(parse_alembic_revision("v/n.py", "revision = make_id()\n"), Catch::Contains("v/n.py:1"));
}

TEST_CASE("Alembic revisions are ordered by the graph, numeric ids keep their number, others get the next",
          "[adopt][alembic]") {
  TempDir dir;
  dir.write("versions/001_init.py", revision_file("001", "None", "2024-01-01"));
  dir.write("versions/002_b.py", revision_file("002", "'001'", "2024-01-03"));
  dir.write("versions/ae1027a6acf_c.py", revision_file("ae1027a6acf", "'001'", "2024-01-02"));
  dir.write("versions/27c6a30d7c24_merge.py", revision_file("27c6a30d7c24", "('002', 'ae1027a6acf')", "2024-01-04"));
  dir.write("versions/__init__.py", "");
  dir.write("versions/README", "not python");
  const auto revisions = read_alembic_folder(dir.path());
  CHECK(ids(revisions) ==
        std::vector<std::string>{"001=001_init", "002=002_b", "ae1027a6acf=003_c", "27c6a30d7c24=004_merge"});

  // A previous import's numbers are reused; new ids go above the highest.
  AlembicMap known;
  known["ae1027a6acf"].version = 7;
  known["27c6a30d7c24"].version = 9;
  CHECK(ids(read_alembic_folder(dir.path(), known)) ==
        std::vector<std::string>{"001=001_init", "002=002_b", "ae1027a6acf=007_c", "27c6a30d7c24=009_merge"});

  const auto round_trip = migrate::adopt::alembic_map_of(revisions);
  CHECK(round_trip.at("27c6a30d7c24").down_revisions == std::vector<std::string>{"002", "ae1027a6acf"});
  dir.write("alembic_ids.json", migrate::adopt::alembic_map_text(round_trip));
  const AlembicMap read_back = migrate::adopt::read_alembic_map(dir.path() / "alembic_ids.json");
  CHECK(read_back.at("ae1027a6acf").version == 3);
  CHECK(read_back.at("27c6a30d7c24").down_revisions == std::vector<std::string>{"002", "ae1027a6acf"});
}

TEST_CASE("Alembic folders with a cycle, an unknown or duplicate id, or numbers against the graph are refused",
          "[adopt][alembic]") {
  SECTION("cycle") {
    TempDir dir;
    dir.write("versions/a.py", revision_file("a", "'b'", "1"));
    dir.write("versions/b.py", revision_file("b", "'a'", "2"));
    CHECK_THROWS_WITH(read_alembic_folder(dir.path()), Catch::Contains("cycle") && Catch::Contains("a, b"));
  }
  SECTION("unknown down_revision") {
    TempDir dir;
    dir.write("versions/a.py", revision_file("a", "'gone'", "1"));
    CHECK_THROWS_WITH(read_alembic_folder(dir.path()), Catch::Contains("'gone'"));
  }
  SECTION("duplicate id") {
    TempDir dir;
    dir.write("versions/a.py", revision_file("a", "None", "1"));
    dir.write("versions/a_copy.py", revision_file("a", "None", "1"));
    CHECK_THROWS_WITH(read_alembic_folder(dir.path()), Catch::Contains("both declare revision 'a'"));
  }
  SECTION("numbers against the graph") {
    TempDir dir;
    dir.write("versions/005_a.py", revision_file("005", "None", "1"));
    dir.write("versions/003_b.py", revision_file("003", "'005'", "2"));
    CHECK_THROWS_WITH(read_alembic_folder(dir.path()), Catch::Contains("ascending version order"));
  }
  SECTION("no folder") { CHECK_THROWS_AS(read_alembic_folder("/nonexistent/alembic"), UsageError); }
}
