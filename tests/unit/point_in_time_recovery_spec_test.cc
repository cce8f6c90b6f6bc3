#include <gtest/gtest.h>

#include <string>

#include "api/backup_spec.h"
#include "api/mariadb_spec.h"
#include "manifest_test_util.h"

namespace mdbop {
namespace {

std::string pitr(const std::string& spec) {
  return "apiVersion: k8s.mariadb.com/v1alpha1\nkind: PointInTimeRecovery\nmetadata:\n"
         "  name: pitr\n  namespace: default\nspec:\n" +
         spec;
}

std::string mariadb_archived_by(const std::string& ref) {
  return "apiVersion: k8s.mariadb.com/v1alpha1\nkind: MariaDB\nmetadata:\n  name: galera\n"
         "spec:\n  replicas: 3\n  galera: {enabled: true}\n  pointInTimeRecoveryRef: " +
         ref + "\n";
}

TEST(PointInTimeRecoverySpec, TheOperatorsFormIsAcceptedWithDefaults) {
  const json object = valid(pitr(R"(
  physicalBackupRef:
    name: nightly
  storage:
    s3:
      bucket: binlogs
      endpoint: minio:9000
      prefix: /galera/
      accessKeyIdSecretKeyRef: {name: minio, key: access}
      secretAccessKeySecretKeyRef: {name: minio, key: secret}
)"));
  const PointInTimeRecoverySpec spec = point_in_time_recovery_spec_from(object);
  EXPECT_EQ(spec.physical_backup, "nightly");
  ASSERT_TRUE(spec.storage.s3);
  EXPECT_EQ(spec.storage.s3->bucket, "binlogs");
  EXPECT_EQ(spec.storage.s3->prefix, "galera");
  EXPECT_EQ(spec.compression, "zstd");
  EXPECT_EQ(spec.archive_timeout, std::chrono::hours(1));
  EXPECT_FALSE(spec.strict_mode);
  EXPECT_FALSE(spec.encryption_key);
}

TEST(PointInTimeRecoverySpec, EveryFieldIsRead) {
  const json object = valid(pitr(R"(
  physicalBackupRef: {name: nightly}
  storage:
    volume: {hostPath: {path: /srv/binlogs}}
  compression: gzip
  archiveTimeout: 10m
  strictMode: true
  encryption:
    keySecretKeyRef: {name: backup-key, key: key}
)"));
  const PointInTimeRecoverySpec spec = point_in_time_recovery_spec_from(object);
  EXPECT_EQ(spec.storage.directory, "/srv/binlogs");
  EXPECT_EQ(spec.compression, "gzip");
  EXPECT_EQ(spec.archive_timeout, std::chrono::minutes(10));
  EXPECT_TRUE(spec.strict_mode);
  ASSERT_TRUE(spec.encryption_key);
  EXPECT_EQ(spec.encryption_key->name, "backup-key");

  // A claim spec stands for a directory named after the object, as a Backup's does.
  const json claimed = valid(
      pitr("  physicalBackupRef: {name: nightly}\n"
           "  storage:\n    persistentVolumeClaim: {resources: {requests: {storage: 1Gi}}}\n"));
  EXPECT_EQ(point_in_time_recovery_spec_from(claimed).storage.directory, "volumes/default/pitr");
}

TEST(PointInTimeRecoverySpec, RefusalsNameTheField) {
  expect_refusals({
      {pitr("  storage: {volume: {hostPath: {path: /srv}}}\n"), "spec.physicalBackupRef.name",
       "required"},
      {pitr("  physicalBackupRef: {name: nightly}\n"), "spec.storage",
       "where to keep the archived binary logs"},
      // The storage is checked as a Backup's is: the same checks, the same words.
      {pitr("  physicalBackupRef: {name: nightly}\n  storage: {volume: {emptyDir: {}}}\n"),
       "spec.storage.volume.emptyDir", "would be lost"},
      {pitr("  physicalBackupRef: {name: nightly}\n  storage: {s3: {endpoint: e}}\n"),
       "spec.storage.s3.bucket", "required"},
      {pitr("  physicalBackupRef: {name: n}\n  storage: {volume: {hostPath: {path: /s}}}\n"
            "  compression: lz4\n"),
       "spec.compression", "zstd"},
      {pitr("  physicalBackupRef: {name: n}\n  storage: {volume: {hostPath: {path: /s}}}\n"
            "  archiveTimeout: 0s\n"),
       "spec.archiveTimeout", "longer than zero"},
      {pitr("  physicalBackupRef: {name: n}\n  storage: {volume: {hostPath: {path: /s}}}\n"
            "  archiveTimeout: soon\n"),
       "spec.archiveTimeout", ""},
  });
}

TEST(PointInTimeRecoverySpec, AMariaDBNamesItsPointInTimeRecovery) {
  EXPECT_EQ(mariadb_spec_from(valid(mariadb_archived_by("{name: pitr}"))).point_in_time_recovery,
            "pitr");
  EXPECT_EQ(
      mariadb_spec_from(valid(mariadb_archived_by("{name: pitr}"))).point_in_time_recovery.size(),
      4u);
  expect_refusals({
      {mariadb_archived_by("{}"), "spec.pointInTimeRecoveryRef.name", "required"},
      {"apiVersion: k8s.mariadb.com/v1alpha1\nkind: MariaDB\nmetadata: {name: single}\n"
       "spec:\n  pointInTimeRecoveryRef: {name: pitr}\n",
       "spec.pointInTimeRecoveryRef", "needs Galera"},
  });
}

// A Restore, and a MariaDB's bootstrapFrom, restore to a moment from a PointInTimeRecovery
// named in pointInTimeRecoveryRef (their targets: backup_spec_test.cc).
TEST(PointInTimeRecoverySpec, RestoresToAMomentNameIt) {
  const json restore = valid(
      "apiVersion: k8s.mariadb.com/v1alpha1\nkind: Restore\nmetadata: {name: r}\nspec:\n"
      "  mariaDbRef: {name: galera}\n  pointInTimeRecoveryRef: {name: pitr}\n");
  EXPECT_EQ(restore_spec_from(restore).source.point_in_time_recovery, "pitr");

  const auto bootstrap = bootstrap_restore_of(
      valid("apiVersion: k8s.mariadb.com/v1alpha1\nkind: MariaDB\nmetadata: {name: galera}\n"
            "spec:\n  bootstrapFrom:\n    pointInTimeRecoveryRef: {name: pitr}\n"));
  ASSERT_TRUE(bootstrap);
  EXPECT_EQ((*bootstrap)["spec"]["pointInTimeRecoveryRef"], json({{"name", "pitr"}}));
}

}  // namespace
}  // namespace mdbop
