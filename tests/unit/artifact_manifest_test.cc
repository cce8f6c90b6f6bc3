#include "backup/artifact_manifest.h"

#include <gtest/gtest.h>

namespace mdbop {
namespace {

using namespace std::chrono;

ArtifactManifest sample() {
  ArtifactManifest m;
  m.id = "nightly-20261122T015042Z";
  m.method = "physical";
  m.backup = "default/nightly";
  m.backup_uid = "3f0c";
  m.mariadb = "default/galera";
  m.pod = "galera-1";
  m.server_version = "10.11.19-MariaDB";
  m.galera_position = "fb4a29ea-e616-11f1-84ca-76fda0f7bd6f:13";
  m.gtid = "0-1-13,1001-1-2";
  m.binlog_history = "0e9a1c52-1b7e-4d8e-9f3a-5c2d7e8b9a10";  // a Restore's uid
  m.started = sys_days{2026y / 11 / 22} + 1h + 50min + 42s;
  m.finished = m.started + 3s;
  m.source_bytes = 17883807;
  m.stored_bytes = 2311233;
  m.compression = "zstd";
  m.encryption = "aes-256-gcm";
  m.data_key = data_key(m.id, m.method, m.compression, true);
  m.sha256 = std::string(64, 'a');
  m.from_lsn = 44404;
  m.to_lsn = 50349;
  m.lineage = "galera-1 Zq3v0aLk2mXw9RtY7uB1cN5pE8sD4fG6";
  m.incremental_base = "weekly-20261115T015042Z";
  return m;
}

TEST(ArtifactManifestTest, RoundTripsEveryField) {
  const ArtifactManifest m = sample();
  auto parsed = parse_manifest(manifest_to_json(m).dump());
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(manifest_to_json(*parsed), manifest_to_json(m));
  EXPECT_EQ(parsed->data_key, "nightly-20261122T015042Z/data.xbstream.zst.enc");
  EXPECT_EQ(parsed->finished - parsed->started, 3s);
}

TEST(ArtifactManifestTest, AManifestWithoutBinlogHistoryBelongsToItsClustersHistory) {
  nlohmann::json older = manifest_to_json(sample());
  older.erase("binlogHistory");
  auto parsed = parse_manifest(older.dump());
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->binlog_history, "fb4a29ea-e616-11f1-84ca-76fda0f7bd6f");
}

TEST(ArtifactManifestTest, DataKeysNameFormatAndCompression) {
  EXPECT_EQ(data_key("a", "logical", "gzip", false), "a/dump.sql.gz");
  EXPECT_EQ(data_key("a", "logical", "none", false), "a/dump.sql");
  EXPECT_EQ(data_key("a", "physical", "bzip2", false), "a/data.xbstream.bz2");
  EXPECT_EQ(manifest_key("a"), "a/manifest.json");
}

TEST(ArtifactManifestTest, AnIncompleteManifestIsRefusedNamingTheField) {
  ArtifactManifest full = sample();  // older manifests have no chain fields, as a full one may
  full.incremental_base.clear();
  full.from_lsn = 0;
  const nlohmann::json whole = manifest_to_json(full);
  for (const auto& [field, value] : whole.items()) {
    nlohmann::json cut = whole;
    cut.erase(field);
    auto parsed = parse_manifest(cut.dump());
    if (field == "binlogHistory" || field == "fromLsn" || field == "toLsn" || field == "lineage" ||
        field == "incrementalBase") {
      EXPECT_TRUE(parsed) << "older manifests have none: " << field;
      continue;
    }
    if (field == "backupUid" || field == "serverVersion" || field == "galeraPosition" ||
        field == "gtid") {
      EXPECT_FALSE(parsed) << "even optional text must be present (maybe empty): " << field;
    } else {
      ASSERT_FALSE(parsed) << field;
    }
    if (field != "format") {
      EXPECT_NE(parsed.error().message.find(field), std::string::npos) << parsed.error().message;
    }
  }
}

TEST(ArtifactManifestTest, OnlyAnIncrementalPhysicalBackupNamesABase) {
  nlohmann::json full = manifest_to_json(sample());
  full["fromLsn"] = 0;
  auto parsed = parse_manifest(full.dump());
  ASSERT_FALSE(parsed);
  EXPECT_NE(parsed.error().message.find("incrementalBase"), std::string::npos);
  full["incrementalBase"] = "";
  EXPECT_TRUE(parse_manifest(full.dump()));
  // An incremental's stream without its base would be prepared as a full backup.
  full["fromLsn"] = 44404;
  auto baseless = parse_manifest(full.dump());
  ASSERT_FALSE(baseless);
  EXPECT_NE(baseless.error().message.find("fromLsn"), std::string::npos);
}

TEST(ArtifactManifestTest, MalformedValuesAreRefused) {
  nlohmann::json bad = manifest_to_json(sample());
  bad["sha256"] = "xyz";
  EXPECT_FALSE(parse_manifest(bad.dump()));
  bad = manifest_to_json(sample());
  bad["dataKey"] = "../elsewhere/data";
  EXPECT_FALSE(parse_manifest(bad.dump()));
  bad = manifest_to_json(sample());
  bad["storedBytes"] = -1;
  EXPECT_FALSE(parse_manifest(bad.dump()));
  bad = manifest_to_json(sample());
  bad["finished"] = "soon";
  EXPECT_FALSE(parse_manifest(bad.dump()));
  EXPECT_FALSE(parse_manifest("{\"format\": 1, \"id\": \"trunc"));
  EXPECT_FALSE(parse_manifest("[]"));
}

}  // namespace
}  // namespace mdbop
