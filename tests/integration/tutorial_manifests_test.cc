// The tutorials' backup manifests, as written, on a real cluster and a real S3 server: a
// Backup with backupMethod: mariabackup, a pod chosen by matchLabels, --compress options,
// server-side encryption and a storage class; then the tutorial's Restore with
// mariabackup.extraArgs (--use-memory for the prepare) and resources. What S3 stored is read
// back with s3cmd; the restore is proven by the data on every node.
#include <gtest/gtest.h>

#include <map>

#include "harness.h"
#include "s3_server.h"

namespace mdbop::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kPassword = "Tutorial-Secret-42";

json status_of(Installation& mdbop, const std::string& kind, const std::string& name) {
  return json::parse(mdbop.must({"get", kind, name, "-o", "json"})).value("status", json::object());
}

// "rows/checksum" of shop.orders on one node.
std::string orders_fingerprint(Installation& mdbop, int index) {
  SqlConnection connection = mdbop.connect("g", index, kPassword);
  auto count = connection.query("SELECT COUNT(*) FROM shop.orders");
  auto checksum = connection.query("CHECKSUM TABLE shop.orders");
  if (!count || !checksum) return "<unreadable>";
  return *count->rows[0][0] + "/" + checksum->rows[0][1].value_or("NULL");
}

// The reasons of the events recorded about object `name`.
std::string event_reasons(Installation& mdbop, const std::string& name) {
  std::string reasons;
  for (const json& event : mdbop.events(name)) {
    reasons += event.value("reason", "") + ": " + event.value("message", "") + "\n";
  }
  return reasons;
}

// The value s3cmd info gives for `label` ("Storage", "SSE") of an object.
std::string info_field(const std::string& info, const std::string& label) {
  const size_t at = info.find(label + ":");
  if (at == std::string::npos) return "<missing in: " + info + ">";
  const size_t from = info.find_first_not_of(' ', at + label.size() + 1);
  return info.substr(from, info.find('\n', from) - from);
}

TEST(TutorialManifests, PhysicalBackupByMethodOnTheLabelledPodWithSseAndClassThenRestore) {
  Installation mdbop;
  S3Server s3;
  mdbop.start_with_cluster("g", kPassword);
  {
    SqlConnection connection = mdbop.connect("g", 0, kPassword);
    std::string rows = "INSERT INTO shop.orders (item) VALUES ('a')";
    for (int i = 1; i < 2000; ++i) rows += ",('item-" + std::to_string(i) + "')";
    ASSERT_TRUE(connection.execute(
        "CREATE DATABASE shop;"
        "CREATE TABLE shop.orders (id INT PRIMARY KEY AUTO_INCREMENT, item VARCHAR(64));" +
        rows));
  }
  const std::string before = orders_fingerprint(mdbop, 0);

  // As the tutorial writes it: no backupType, the primary g-0 chosen by its pod label (mdbop's
  // default would take a replica), qpress options, SSE-KMS and a storage class.
  mdbop.apply("apiVersion: v1\nkind: Secret\nmetadata: {name: s3}\nstringData: {id: " +
              s3.access_key() + ", secret: " + s3.secret_key() + "}\n---\n" +
              R"(apiVersion: k8s.mariadb.com/v1alpha1
kind: Backup
metadata:
  name: tutorial
spec:
  mariaDbRef:
    name: g
  backupMethod: mariabackup
  podSelector:
    matchLabels:
      statefulset.kubernetes.io/pod-name: g-0
  mariabackup:
    extraArgs:
      - --compress
      - --compress-threads=2
  storage:
    s3:
      bucket: backups
      prefix: tutorial
      endpoint: )" +
              s3.endpoint() +
              R"(
      serverSideEncryption: aws:kms
      kmsKeyId: )" +
              std::string(S3Server::kKmsKeyId) +
              R"(
      storageClass: REDUCED_REDUNDANCY
      accessKeyIdSecretKeyRef: {name: s3, key: id}
      secretAccessKeySecretKeyRef: {name: s3, key: secret}
)");
  mdbop.must({"wait", "backup/tutorial", "--for=condition=Complete", "--timeout=180s"});
  const json status = status_of(mdbop, "backup", "tutorial");
  ASSERT_EQ(status["artifacts"].size(), 1u) << status.dump(2);
  const json artifact = status["artifacts"][0];
  EXPECT_EQ(artifact["method"], "physical");
  EXPECT_EQ(artifact["pod"], "g-0");
  EXPECT_EQ(artifact["compression"], "zstd");
  const std::string reasons = event_reasons(mdbop, "tutorial");
  EXPECT_NE(reasons.find("CompressionTranslated: --compress --compress-threads=2 would make"),
            std::string::npos)
      << reasons;

  // S3 saw the headers: the data in the class, with SSE-KMS; the manifest in STANDARD.
  const std::string data = artifact["location"].get<std::string>();
  const std::string data_info = s3.s3cmd({"info", data});
  EXPECT_EQ(info_field(data_info, "Storage"), "REDUCED_REDUNDANCY");
  EXPECT_NE(info_field(data_info, "SSE").find("aws:kms"), std::string::npos) << data_info;
  const std::string manifest = data.substr(0, data.rfind('/')) + "/manifest.json";
  const std::string manifest_info = s3.s3cmd({"info", manifest});
  EXPECT_EQ(info_field(manifest_info, "Storage"), "STANDARD");
  EXPECT_NE(info_field(manifest_info, "SSE").find("aws:kms"), std::string::npos) << manifest_info;

  // A logical backup by its tool's name, with SSE-S3.
  mdbop.apply(R"(apiVersion: k8s.mariadb.com/v1alpha1
kind: Backup
metadata:
  name: tutorial-dump
spec:
  mariaDbRef:
    name: g
  backupMethod: mariadb-dump
  storage:
    s3:
      bucket: backups
      prefix: tutorial-dump
      endpoint: )" +
              s3.endpoint() +
              R"(
      serverSideEncryption: AES256
      accessKeyIdSecretKeyRef: {name: s3, key: id}
      secretAccessKeySecretKeyRef: {name: s3, key: secret}
)");
  mdbop.must({"wait", "backup/tutorial-dump", "--for=condition=Complete", "--timeout=180s"});
  const json dump = status_of(mdbop, "backup", "tutorial-dump")["artifacts"][0];
  EXPECT_EQ(dump["method"], "logical");
  const std::string dump_info = s3.s3cmd({"info", dump["location"].get<std::string>()});
  EXPECT_EQ(info_field(dump_info, "SSE"), "AES256") << dump_info;
  EXPECT_EQ(info_field(dump_info, "Storage"), "STANDARD") << dump_info;

  // The tutorial's Restore: prepare options and resources.
  {
    SqlConnection connection = mdbop.connect("g", 1, kPassword);
    ASSERT_TRUE(connection.execute("DELETE FROM shop.orders WHERE id % 3 = 0"));
  }
  mdbop.apply(R"(apiVersion: k8s.mariadb.com/v1alpha1
kind: Restore
metadata:
  name: tutorial-restore
spec:
  mariaDbRef:
    name: g
  backupRef:
    name: tutorial
  mariabackup:
    extraArgs:
      - --use-memory=256M
  resources:
    requests: {cpu: "2", memory: 1Gi}
)");
  mdbop.must({"wait", "restore/tutorial-restore", "--for=condition=Complete", "--timeout=240s"});
  mdbop.wait_ready("g");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(orders_fingerprint(mdbop, i), before) << "on g-" << i;
  const std::string restore_reasons = event_reasons(mdbop, "tutorial-restore");
  EXPECT_NE(restore_reasons.find("FieldIgnored: spec.resources"), std::string::npos)
      << restore_reasons;
}

}  // namespace
}  // namespace mdbop::testing
