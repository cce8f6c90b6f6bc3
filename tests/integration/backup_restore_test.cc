// Backups and restores on real clusters, a real S3 server (MinIO) and real mariadb-backup /
// mariadb-dump: what is stored is read back with s3cmd, restores are proven by row counts and
// checksums of every table on every node, and bad artifacts are refused without touching the
// target.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <thread>
#include <vector>

#include "harness.h"
#include "s3_server.h"
#include "util/files.h"
#include "util/sha256.h"
#include "util/subprocess.h"

namespace mdbop::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kPassword = "Backup-Secret-42";
constexpr const char* kEncryptionKey = "0123456789abcdef0123456789abcdef";

json object(Installation& mdbop, const std::string& kind, const std::string& name) {
  return json::parse(mdbop.must({"get", kind, name, "-o", "json"}));
}

// The object's status; an empty object until the operator has written one.
json status_of(Installation& mdbop, const std::string& kind, const std::string& name) {
  return object(mdbop, kind, name).value("status", json::object());
}

// Table -> "rows/checksum" of every table in the shop database, on one node.
std::map<std::string, std::string> table_fingerprints(Installation& mdbop, int index,
                                                      const std::string& mariadb = "g") {
  SqlConnection connection = mdbop.connect(mariadb, index, kPassword);
  std::map<std::string, std::string> fingerprints;
  auto tables = connection.query(
      "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'shop' ORDER BY 1");
  EXPECT_TRUE(tables) << tables.error().what();
  if (!tables) return fingerprints;
  for (const auto& row : tables->rows) {
    const std::string table = "shop." + *row[0];
    auto count = connection.query("SELECT COUNT(*) FROM " + table);
    auto checksum = connection.query("CHECKSUM TABLE " + table);
    EXPECT_TRUE(count && checksum);
    if (count && checksum) {
      fingerprints[table] = *count->rows[0][0] + "/" + checksum->rows[0][1].value_or("NULL");
    }
  }
  return fingerprints;
}

void load_shop(Installation& mdbop) {
  SqlConnection connection = mdbop.connect("g", 0, kPassword);
  std::string orders = "INSERT INTO shop.orders (item, qty) VALUES ";
  for (int i = 1; i <= 5000; ++i) {
    orders +=
        (i > 1 ? ",('item-" : "('item-") + std::to_string(i) + "'," + std::to_string(i % 7) + ")";
  }
  auto loaded = connection.execute(
      "CREATE DATABASE shop;"
      "CREATE TABLE shop.orders (id INT PRIMARY KEY AUTO_INCREMENT, item VARCHAR(64), qty INT);"
      "CREATE TABLE shop.customers (id INT PRIMARY KEY, name VARCHAR(64));"
      "INSERT INTO shop.customers VALUES (1, 'ada'), (2, 'grace'), (3, 'edsger');"
      "CREATE USER 'shopkeeper'@'%' IDENTIFIED BY 'counter';"
      "GRANT SELECT, INSERT ON shop.* TO 'shopkeeper'@'%';" +
      orders);
  ASSERT_TRUE(loaded) << loaded.error().what();
}

// About 50 MB more data, so that a throttled backup (mariabackup.extraArgs: [--throttle=20],
// a few MB/s) runs for several seconds.
void load_bulk(Installation& mdbop) {
  SqlConnection connection = mdbop.connect("g", 0, kPassword);
  ASSERT_TRUE(connection.execute("CREATE TABLE shop.bulk (id INT PRIMARY KEY, body TEXT)"));
  for (int start = 0; start < 50000; start += 10000) {
    std::string insert = "INSERT INTO shop.bulk VALUES ";
    for (int i = start; i < start + 10000; ++i) {
      insert += (i > start ? ",(" : "(") + std::to_string(i) + ", REPEAT(MD5(" + std::to_string(i) +
                "), 30))";
    }
    auto inserted = connection.execute(insert);
    ASSERT_TRUE(inserted) << inserted.error().what();
  }
}

// Waits until a run of the backup has read some bytes (it is under way).
bool run_under_way(Installation& mdbop, const std::string& kind, const std::string& name) {
  return eventually(
      [&] {
        const json status = object(mdbop, kind, name).value("status", json::object());
        return status.contains("currentRun") && status["currentRun"].value("sourceBytes", 0) > 0;
      },
      60s);
}

// Changes the data so that a restore has something to undo.
void spoil_shop(Installation& mdbop) {
  SqlConnection connection = mdbop.connect("g", 1, kPassword);
  auto spoiled = connection.execute(
      "DELETE FROM shop.orders WHERE id % 2 = 0; UPDATE shop.customers SET name = 'x';"
      "DROP USER 'shopkeeper'@'%'");
  ASSERT_TRUE(spoiled) << spoiled.error().what();
}

void expect_every_node_has(Installation& mdbop, const std::map<std::string, std::string>& want) {
  for (int i = 0; i < 3; ++i) EXPECT_EQ(table_fingerprints(mdbop, i), want) << "on g-" << i;
}

// S3 storage in bucket "backups" of `s3`, with the credentials of Secret `secret`.
std::string s3_storage(const S3Server& s3, const std::string& prefix,
                       const std::string& secret = "s3") {
  return "  storage:\n"
         "    s3:\n"
         "      bucket: backups\n"
         "      endpoint: " +
         s3.endpoint() + "\n      prefix: " + prefix +
         "\n      accessKeyIdSecretKeyRef: {name: " + secret +
         ", key: id}\n      secretAccessKeySecretKeyRef: {name: " + secret + ", key: secret}\n";
}

std::string disk_storage(Installation& mdbop) {
  return "  storage:\n    volume:\n      hostPath:\n        path: " +
         (mdbop.home() / "backups").string() + "\n";
}

std::string secret(const std::string& name, const std::string& string_data) {
  return "apiVersion: v1\nkind: Secret\nmetadata: {name: " + name + "}\nstringData:\n" +
         string_data + "---\n";
}

std::string s3_credentials(const std::string& access_key, const std::string& secret_key) {
  return "  id: " + access_key + "\n  secret: " + secret_key + "\n";
}

std::string encryption_keys() {
  return std::string("  key: ") + kEncryptionKey + "\n  wrong: not-the-key-0123456789\n";
}

// The Secret "s3": two encryption keys ("key" and "wrong") and, for S3 storage, the server's
// credentials ("id" and "secret").
std::string secrets() { return secret("s3", encryption_keys()); }

std::string secrets(const S3Server& s3) {
  return secret("s3", encryption_keys() + s3_credentials(s3.access_key(), s3.secret_key()));
}

std::string backup(const std::string& kind, const std::string& name, const std::string& body) {
  return "apiVersion: k8s.mariadb.com/v1alpha1\nkind: " + kind + "\nmetadata: {name: " + name +
         "}\nspec:\n  mariaDbRef: {name: g}\n" + body;
}

std::string restore(const std::string& name, const std::string& body,
                    const std::string& target = "g") {
  return "apiVersion: k8s.mariadb.com/v1alpha1\nkind: Restore\nmetadata: {name: " + name +
         "}\nspec:\n  mariaDbRef: {name: " + target + "}\n" + body;
}

TEST(BackupRestore, PhysicalEncryptedToS3ReadBackAndRestoredIntoTheSameCluster) {
  Installation mdbop;
  S3Server s3;
  mdbop.start_with_cluster("g", kPassword);
  load_shop(mdbop);
  const auto before = table_fingerprints(mdbop, 0);

  mdbop.apply(secrets(s3) + backup("PhysicalBackup", "nightly",
                                   "  encryption:\n    keySecretKeyRef: {name: s3, key: key}\n" +
                                       s3_storage(s3, "mdbop/physical")));
  mdbop.must({"wait", "physicalbackup/nightly", "--for=condition=Complete", "--timeout=120s"});
  json status = status_of(mdbop, "physicalbackup", "nightly");
  ASSERT_EQ(status["artifacts"].size(), 1u);
  const json artifact = status["artifacts"][0];
  EXPECT_NE(artifact["pod"], "g-0") << "taken from a replica, not the primary";
  EXPECT_EQ(artifact["encryption"], "aes-256-gcm");

  // A standard S3 client sees the data and the manifest, and the bytes are the recorded ones.
  const std::string listing = s3.s3cmd({"ls", "-r", "s3://backups/mdbop/physical/"});
  EXPECT_NE(listing.find("data.xbstream.zst.enc"), std::string::npos) << listing;
  EXPECT_NE(listing.find("manifest.json"), std::string::npos) << listing;
  const std::string data_key = artifact["location"].get<std::string>().substr(5);  // s3://
  const std::filesystem::path copy = mdbop.home() / "downloaded";
  s3.s3cmd({"get", "s3://" + data_key, copy.string()});
  SubprocessOptions sha;
  sha.argv = {"sha256sum", copy.string()};
  auto digest = run_process(sha);
  ASSERT_TRUE(digest && digest->ok());
  EXPECT_EQ(digest->stdout_text.substr(0, 64), artifact["sha256"]);
  auto stored = read_file(copy);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->substr(0, 8), "MDBOPAE2") << "scrypt-stretched key, header version 2";
  EXPECT_EQ(stored->find("shop/orders"), std::string::npos) << "plaintext in the bucket";

  spoil_shop(mdbop);
  mdbop.apply(restore("back", "  backupRef: {name: nightly}\n"));
  mdbop.must({"wait", "restore/back", "--for=condition=Complete", "--timeout=180s"});
  mdbop.wait_ready("g");
  expect_every_node_has(mdbop, before);
  SqlConnection connection = mdbop.connect("g", 2, kPassword);
  auto users = connection.query("SELECT COUNT(*) FROM mysql.user WHERE User = 'shopkeeper'");
  ASSERT_TRUE(users);
  EXPECT_EQ(*users->rows[0][0], "1");
}

TEST(BackupRestore, LogicalToDiskRestoredIntoTheSameAndIntoANewCluster) {
  Installation mdbop;
  mdbop.start_with_cluster("g", kPassword);
  load_shop(mdbop);
  const auto before = table_fingerprints(mdbop, 0);
  mdbop.apply(backup("Backup", "dump",
                     "  backupType: logical\n  compression: gzip\n" + disk_storage(mdbop)));
  mdbop.must({"wait", "backup/dump", "--for=condition=Complete", "--timeout=120s"});
  const std::string listing = mdbop.must({"get", "backups"});
  EXPECT_NE(listing.find("dump"), std::string::npos);
  const std::string described = mdbop.must({"describe", "backup", "dump"});
  EXPECT_NE(described.find("dump.sql.gz"), std::string::npos) << described;

  spoil_shop(mdbop);
  mdbop.apply(restore("undo", "  backupRef: {name: dump}\n"));
  mdbop.must({"wait", "restore/undo", "--for=condition=Complete", "--timeout=120s"});
  expect_every_node_has(mdbop, before);
  SqlConnection connection = mdbop.connect("g", 1, kPassword);
  auto users = connection.query("SELECT COUNT(*) FROM mysql.user WHERE User = 'shopkeeper'");
  ASSERT_TRUE(users);
  EXPECT_EQ(*users->rows[0][0], "1") << "users come back as CREATE USER, replicated";

  // A new cluster created from the backup.
  mdbop.apply(
      galera_manifest("fresh", 3, kPassword, "  bootstrapFrom:\n    backupRef: {name: dump}\n"));
  mdbop.wait_ready("fresh");
  ASSERT_TRUE(eventually(
      [&] {
        const json restores = json::parse(mdbop.must({"get", "restores", "-o", "json"}));
        for (const json& r : restores["items"]) {
          if (r["spec"]["mariaDbRef"]["name"] == "fresh") {
            return r.value("status", json::object()).value("phase", "") == "Complete";
          }
        }
        return false;
      },
      120s));
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(table_fingerprints(mdbop, i, "fresh"), before) << "on fresh-" << i;
  }
}

TEST(BackupRestore, CorruptedArtifactsAndWrongKeysAreRefusedWithoutTouchingTheTarget) {
  Installation mdbop;
  mdbop.start_with_cluster("g", kPassword);
  load_shop(mdbop);
  mdbop.apply(secrets() + backup("Backup", "sealed",
                                 "  backupType: logical\n  encryption:\n    keySecretKeyRef: "
                                 "{name: s3, key: key}\n" +
                                     disk_storage(mdbop)));
  mdbop.must({"wait", "backup/sealed", "--for=condition=Complete", "--timeout=120s"});
  spoil_shop(mdbop);
  // Read where spoil_shop wrote: another node may not have applied the writes yet.
  const auto spoiled = table_fingerprints(mdbop, 1);
  const std::string direct =
      "  volume:\n    hostPath:\n      path: " + (mdbop.home() / "backups").string() + "\n";

  mdbop.apply(restore("wrong-key",
                      direct + "  encryption:\n    keySecretKeyRef: {name: s3, key: wrong}\n"));
  ASSERT_TRUE(eventually(
      [&] { return status_of(mdbop, "restore", "wrong-key").value("phase", "") == "Failed"; },
      60s));
  EXPECT_NE(status_of(mdbop, "restore", "wrong-key")["message"].get<std::string>().find(
                "wrong encryption key"),
            std::string::npos);
  expect_every_node_has(mdbop, spoiled);

  // One flipped byte in the middle of the stored data.
  json artifact = status_of(mdbop, "backup", "sealed")["artifacts"][0];
  const std::string path = artifact["location"];
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  file.seekg(static_cast<std::streamoff>(artifact["storedBytes"].get<long long>() / 2));
  char byte = 0;
  file.read(&byte, 1);
  file.seekp(static_cast<std::streamoff>(artifact["storedBytes"].get<long long>() / 2));
  byte = static_cast<char>(byte ^ 0x40);
  file.write(&byte, 1);
  file.close();
  mdbop.apply(restore("corrupted", "  backupRef: {name: sealed}\n"));
  ASSERT_TRUE(eventually(
      [&] { return status_of(mdbop, "restore", "corrupted").value("phase", "") == "Failed"; },
      60s));
  const std::string message = status_of(mdbop, "restore", "corrupted")["message"];
  EXPECT_NE(message.find("corrupted"), std::string::npos) << message;
  EXPECT_NE(message.find("was not touched"), std::string::npos) << message;
  expect_every_node_has(mdbop, spoiled);

  // Someone who can write the bucket plants a shell command in an unencrypted dump and fixes
  // up the SHA-256 in the manifest beside it: the replay runs the client in sandbox mode,
  // which refuses the command instead of running it.
  mdbop.apply(backup("Backup", "plain",
                     "  backupType: logical\n  compression: none\n" + disk_storage(mdbop)));
  mdbop.must({"wait", "backup/plain", "--for=condition=Complete", "--timeout=120s"});
  const std::string dump = status_of(mdbop, "backup", "plain")["artifacts"][0]["location"];
  const std::filesystem::path marker = mdbop.home() / "planted-command-ran";
  const std::string planted = "\\! touch " + marker.string() + "\n" + *read_file(dump);
  ASSERT_TRUE(write_file_atomic(dump, planted, 0644));
  const std::filesystem::path manifest_file =
      std::filesystem::path(dump).parent_path() / "manifest.json";
  json manifest = json::parse(*read_file(manifest_file));
  manifest["sha256"] = sha256_hex(planted);
  manifest["storedBytes"] = planted.size();
  manifest["sourceBytes"] = planted.size();
  ASSERT_TRUE(write_file_atomic(manifest_file, manifest.dump(), 0644));
  mdbop.apply(restore("planted", "  backupRef: {name: plain}\n"));
  ASSERT_TRUE(eventually(
      [&] {
        const std::string phase = status_of(mdbop, "restore", "planted").value("phase", "");
        return phase == "Failed" || phase == "Complete";
      },
      120s));
  const std::string planted_message = status_of(mdbop, "restore", "planted")["message"];
  EXPECT_NE(planted_message.find("sandbox"), std::string::npos) << planted_message;
  EXPECT_FALSE(std::filesystem::exists(marker));
}

TEST(BackupRestore, ScheduleFiresOnItsOwnAndRetentionKeepsTheLastTwo) {
  Installation mdbop;
  mdbop.start_with_cluster("g", kPassword);
  load_shop(mdbop);
  mdbop.apply(backup("Backup", "every-minute",
                     "  backupType: logical\n  schedule:\n    cron: \"* * * * *\"\n"
                     "    immediate: false\n  retentionPolicy:\n    keepLast: 2\n" +
                         disk_storage(mdbop)));
  // Nothing runs until the minute turns; then the schedule fires without being asked.
  ASSERT_TRUE(eventually(
      [&] { return status_of(mdbop, "backup", "every-minute").contains("lastSuccessTime"); }, 75s));
  EXPECT_TRUE(status_of(mdbop, "backup", "every-minute").contains("lastScheduleTime"));
  for (int run = 0; run < 2; ++run) {
    const std::string last = status_of(mdbop, "backup", "every-minute").value("lastArtifact", "");
    mdbop.must({"backup", "run", "every-minute"});
    ASSERT_TRUE(eventually(
        [&] {
          return status_of(mdbop, "backup", "every-minute").value("lastArtifact", "") != last;
        },
        60s));
  }
  // Three complete runs, two kept: the newest two.
  json status = status_of(mdbop, "backup", "every-minute");
  ASSERT_TRUE(eventually(
      [&] {
        status = status_of(mdbop, "backup", "every-minute");
        return status["artifacts"].size() == 2;
      },
      30s))
      << status.dump();
  EXPECT_EQ(status["artifacts"][0]["id"], status["lastArtifact"]);
  int folders = 0;
  for (const auto& entry : std::filesystem::directory_iterator(mdbop.home() / "backups")) {
    folders += entry.is_directory() ? 1 : 0;
  }
  EXPECT_EQ(folders, 2);
}

// A scheduled run that fails (its S3 server is down) is retried within its slot and succeeds
// once the server is back, instead of waiting for the next slot (here: next January).
TEST(BackupRestore, AFailedScheduledRunIsRetriedWithinItsSlot) {
  Installation mdbop;
  mdbop.start_with_cluster("g", kPassword);
  load_shop(mdbop);
  S3Server s3;
  s3.stop();
  mdbop.apply(secrets(s3) + backup("Backup", "yearly",
                                   "  backupType: logical\n  schedule:\n    cron: \"0 3 1 1 *\"\n"
                                   "    immediate: true\n" +
                                       s3_storage(s3, "retried")));
  json status;
  ASSERT_TRUE(eventually(
      [&] {
        status = status_of(mdbop, "backup", "yearly");
        return status.value("attempts", 0) >= 1;
      },
      60s))
      << status.dump();
  EXPECT_EQ(status["phase"], "Failed");
  const std::string slot = status.value("lastScheduleTime", "");
  ASSERT_FALSE(slot.empty());
  s3.start();
  ASSERT_TRUE(eventually(
      [&] {
        status = status_of(mdbop, "backup", "yearly");
        return status.contains("lastSuccessTime");
      },
      90s))
      << status.dump();
  EXPECT_EQ(status.value("lastScheduleTime", ""), slot) << "the retry belongs to the same slot";
  EXPECT_EQ(status.value("attempts", -1), 0);
  EXPECT_EQ(status["artifacts"].size(), 1u);
  EXPECT_NE(s3.s3cmd({"ls", "--recursive", "s3://backups/retried/"}).find("manifest.json"),
            std::string::npos);
}

TEST(BackupRestore, APhysicalBackupTheClusterCannotStartIsGivenUpAndTheOldDataPutBack) {
  Installation mdbop;
  mdbop.start_with_cluster("g", kPassword);
  load_shop(mdbop);
  const auto before = table_fingerprints(mdbop, 0);
  // A foreign backup: 8 KiB InnoDB pages, which g's 16 KiB configuration cannot open.
  mdbop.apply(galera_manifest("foreign", 1, kPassword,
                              "  myCnf: |\n    [mariadb]\n    innodb_page_size=8k\n"));
  mdbop.wait_ready("foreign");
  mdbop.apply(
      "apiVersion: k8s.mariadb.com/v1alpha1\nkind: PhysicalBackup\nmetadata: {name: alien}\n"
      "spec:\n  mariaDbRef: {name: foreign}\n" +
      disk_storage(mdbop));
  mdbop.must({"wait", "physicalbackup/alien", "--for=condition=Complete", "--timeout=120s"});

  mdbop.apply(restore("doomed", "  backupRef: {name: alien, kind: PhysicalBackup}\n"));
  ASSERT_TRUE(eventually(
      [&] { return status_of(mdbop, "restore", "doomed").value("phase", "") == "Failed"; }, 240s))
      << status_of(mdbop, "restore", "doomed").dump();
  const std::string message = status_of(mdbop, "restore", "doomed").value("message", "");
  EXPECT_NE(message.find("previous data put back on g-0 g-1 g-2"), std::string::npos) << message;
  EXPECT_NE(message.find("page size"), std::string::npos) << message;
  mdbop.wait_ready("g");
  expect_every_node_has(mdbop, before);
}

TEST(BackupRestore, OperatorKilledMidBackupLeavesNoHalfArtifactAndTheNextRunSucceeds) {
  Installation mdbop;
  mdbop.start_with_cluster("g", kPassword);
  load_shop(mdbop);
  load_bulk(mdbop);
  mdbop.apply(backup("Backup", "cut",
                     "  backupType: physical\n  mariabackup:\n    extraArgs: [--throttle=20]\n" +
                         disk_storage(mdbop)));
  ASSERT_TRUE(run_under_way(mdbop, "backup", "cut"));
  mdbop.kill_operator();
  // Nothing the dead run wrote counts as an artifact.
  EXPECT_EQ(status_of(mdbop, "backup", "cut").value("artifacts", json::array()).size(), 0u);

  mdbop.start_operator();
  mdbop.must({"wait", "backup/cut", "--for=condition=Complete", "--timeout=180s"});
  const json status = status_of(mdbop, "backup", "cut");
  EXPECT_EQ(status["artifacts"].size(), 1u) << status.dump();
  EXPECT_FALSE(status.contains("incompleteArtifacts")) << status.dump();
  const std::string events = mdbop.must({"events", "--for", "backup/cut"});
  EXPECT_NE(events.find("BackupInterrupted"), std::string::npos) << events;
  // Every artifact folder on disk has its manifest.
  for (const auto& entry : std::filesystem::directory_iterator(mdbop.home() / "backups")) {
    if (entry.is_directory()) {
      EXPECT_TRUE(std::filesystem::exists(entry.path() / "manifest.json")) << entry.path();
    }
  }
}

TEST(BackupRestore, AnS3FailureSaysWhyAndLeavesEarlierArtifactsUsable) {
  Installation mdbop;
  S3Server s3;
  mdbop.start_with_cluster("g", kPassword);
  load_shop(mdbop);
  const auto before = table_fingerprints(mdbop, 0);
  // Uncompressed, the physical backup is larger than a part: MinIO receives it in parts and
  // joins them, and the restore below reads the joined object back.
  mdbop.apply(secrets(s3) +
              backup("Backup", "good",
                     "  backupType: physical\n  compression: none\n" + s3_storage(s3, "shared")));
  mdbop.must({"wait", "backup/good", "--for=condition=Complete", "--timeout=120s"});
  EXPECT_GT(status_of(mdbop, "backup", "good")["artifacts"][0]["storedBytes"].get<long long>(),
            16 << 20)
      << "more than one 16 MiB part";

  // A logical backup beside it, read back with s3cmd and the zstd tool: a plain SQL dump.
  mdbop.apply(backup("Backup", "sql", "  backupType: logical\n" + s3_storage(s3, "logical")));
  mdbop.must({"wait", "backup/sql", "--for=condition=Complete", "--timeout=120s"});
  const std::string dump_key =
      status_of(mdbop, "backup", "sql")["artifacts"][0]["location"].get<std::string>();
  EXPECT_NE(dump_key.find("/dump.sql.zst"), std::string::npos) << dump_key;
  const std::filesystem::path dump = mdbop.home() / "dump.sql.zst";
  s3.s3cmd({"get", dump_key, dump.string()});
  SubprocessOptions unzstd;
  unzstd.argv = {"zstd", "-dc", dump.string()};
  auto sql = run_process(unzstd);
  ASSERT_TRUE(sql && sql->ok());
  EXPECT_NE(sql->stdout_text.find("CREATE TABLE `orders`"), std::string::npos);
  EXPECT_NE(sql->stdout_text.find("CREATE USER IF NOT EXISTS `shopkeeper`@`%`"), std::string::npos);

  // Refused credentials and a missing bucket: each run fails with S3's reason, naming what to
  // fix; the earlier artifact stays.
  std::string no_bucket = s3_storage(s3, "shared");
  no_bucket.replace(no_bucket.find("bucket: backups"), 15, "bucket: missing");
  mdbop.apply(secret("unknown", s3_credentials("NOBODY", "nope")) +
              secret("mistyped", s3_credentials(s3.access_key(), "not-" + s3.secret_key())) +
              backup("Backup", "unknown-key",
                     "  backupType: logical\n" + s3_storage(s3, "shared", "unknown")) +
              "---\n" +
              backup("Backup", "wrong-secret",
                     "  backupType: logical\n" + s3_storage(s3, "shared", "mistyped")) +
              "---\n" + backup("Backup", "no-bucket", "  backupType: logical\n" + no_bucket));
  const std::map<std::string, std::vector<std::string>> reasons = {
      {"unknown-key",
       {"S3 refused the credentials (InvalidAccessKeyId)", "storage.s3.accessKeyIdSecretKeyRef"}},
      {"wrong-secret",
       {"S3 refused the request signature (SignatureDoesNotMatch)",
        "storage.s3.secretAccessKeySecretKeyRef"}},
      {"no-bucket", {"bucket \"missing\" does not exist (NoSuchBucket)"}}};
  for (const auto& [name, wanted] : reasons) {
    ASSERT_TRUE(eventually(
        [&] { return status_of(mdbop, "backup", name).value("phase", "") == "Failed"; }, 60s))
        << name;
    const std::string reason = status_of(mdbop, "backup", name).value("lastFailureReason", "");
    for (const std::string& part : wanted)
      EXPECT_NE(reason.find(part), std::string::npos) << reason;
  }

  // The earlier artifact is still whole: it restores.
  spoil_shop(mdbop);
  mdbop.apply(restore("still-good", "  backupRef: {name: good}\n"));
  mdbop.must({"wait", "restore/still-good", "--for=condition=Complete", "--timeout=180s"});
  mdbop.wait_ready("g");
  expect_every_node_has(mdbop, before);

  // An S3 server that disappears in the middle of an upload: the run fails saying so, and
  // once S3 is back the earlier artifact is still there and nothing half-written is listed.
  load_bulk(mdbop);
  mdbop.apply(backup("Backup", "slow",
                     "  backupType: physical\n  mariabackup:\n    extraArgs: [--throttle=20]\n" +
                         s3_storage(s3, "shared")));
  ASSERT_TRUE(run_under_way(mdbop, "backup", "slow"));
  s3.stop();
  ASSERT_TRUE(eventually(
      [&] { return status_of(mdbop, "backup", "slow").value("lastFailureReason", "") != ""; },
      120s));
  const std::string gone = status_of(mdbop, "backup", "slow").value("lastFailureReason", "");
  EXPECT_NE(gone.find("cannot reach S3"), std::string::npos) << gone;
  s3.start();
  const std::string listing = s3.s3cmd({"ls", "-r", "s3://backups/shared/"});
  EXPECT_EQ(listing.find("slow-"), std::string::npos) << listing;
  EXPECT_NE(listing.find("good-"), std::string::npos) << listing;
  // The one-shot backup retries on its own and now succeeds.
  mdbop.must({"wait", "backup/slow", "--for=condition=Complete", "--timeout=180s"});
  EXPECT_EQ(status_of(mdbop, "backup", "slow")["artifacts"].size(), 1u);
}

}  // namespace
}  // namespace mdbop::testing
