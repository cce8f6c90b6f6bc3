#include "api/backup_spec.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "api/duration.h"
#include "api/manifest.h"
#include "manifest_test_util.h"
#include "util/rfc3339.h"

namespace mdbop {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

std::string object(const std::string& kind, const std::string& spec,
                   const std::string& name = "nightly", const std::string& ns = "default") {
  return "apiVersion: k8s.mariadb.com/v1alpha1\nkind: " + kind + "\nmetadata:\n  name: " + name +
         "\n  namespace: " + ns + "\nspec:\n" + spec;
}

// A Backup (or `kind`) of MariaDB "galera" kept in a host directory, plus `extra` spec lines.
std::string backup(const std::string& extra, const std::string& kind = "Backup") {
  return object(kind,
                "  mariaDbRef: {name: galera}\n"
                "  storage: {volume: {hostPath: {path: /var/backups}}}\n" +
                    extra);
}

// A Backup of MariaDB "galera" with `storage` as its storage.
std::string stored_in(const std::string& storage, const std::string& kind = "Backup") {
  return object(kind, "  mariaDbRef: {name: galera}\n  storage:\n" + storage);
}

std::string restore(const std::string& spec) { return object("Restore", spec, "restore"); }

std::string mariadb_bootstrapped_from(const std::string& bootstrap_from) {
  return object("MariaDB",
                "  replicas: 3\n  galera: {enabled: true}\n  bootstrapFrom:\n" + bootstrap_from,
                "galera");
}

std::chrono::system_clock::time_point utc(int y, unsigned mo, unsigned d, int h, int mi, int s) {
  using namespace std::chrono;
  return sys_days(year(y) / month(mo) / day(d)) + hours(h) + minutes(mi) + seconds(s);
}

// --- Backup ----------------------------------------------------------------------------------

TEST(BackupSpec, OperatorFormIsAcceptedAndHonoured) {
  const json b = valid(object("Backup", R"(
  mariaDbRef:
    name: mariadb
    namespace: default
    waitForIt: true
  schedule:
    cron: "*/30 * * * *"
    suspend: false
  timeZone: Europe/Madrid
  maxRetention: 720h
  compression: gzip
  databases: [shop, blog]
  ignoreGlobalPriv: true
  args: [--single-transaction]
  logLevel: info
  backoffLimit: 5
  restartPolicy: OnFailure
  successfulJobsHistoryLimit: 3
  resources: {requests: {cpu: 100m}}
  stagingStorage:
    persistentVolumeClaim: {resources: {requests: {storage: 1Gi}}}
  storage:
    s3:
      bucket: backups
      prefix: /mariadb/
      endpoint: minio.minio.svc.cluster.local:9000
      accessKeyIdSecretKeyRef: {name: minio, key: access-key-id}
      secretAccessKeySecretKeyRef: {name: minio, key: secret-access-key}
      tls:
        enabled: true
        caSecretKeyRef: {name: minio-ca, key: ca.crt}
)"));
  ASSERT_TRUE(b.is_object());
  const BackupSpec s = backup_spec_from(b);
  EXPECT_EQ(s.method, BackupMethod::kLogical);
  EXPECT_EQ(s.mariadb, "mariadb");
  ASSERT_TRUE(s.schedule);
  EXPECT_EQ(s.schedule->cron, "*/30 * * * *");
  EXPECT_EQ(s.schedule->time_zone, "Europe/Madrid");
  EXPECT_FALSE(s.schedule->suspend);
  EXPECT_TRUE(s.schedule->immediate);
  EXPECT_EQ(s.schedule->on_demand, "");
  EXPECT_EQ(s.retention.max_retention, hours(720));
  EXPECT_FALSE(s.retention.keep_last);
  EXPECT_FALSE(s.retention.ttl);
  EXPECT_EQ(s.compression, "gzip");
  EXPECT_EQ(s.databases, (std::vector<std::string>{"shop", "blog"}));
  EXPECT_EQ(s.ignore_global_priv, true);
  EXPECT_EQ(s.extra_args, (std::vector<std::string>{"--single-transaction"}));
  EXPECT_EQ(s.target.mode, BackupTargetSpec::Mode::kPreferReplica);
  EXPECT_FALSE(s.timeout);
  EXPECT_FALSE(s.encryption_key);
  EXPECT_FALSE(s.storage.directory);
  ASSERT_TRUE(s.storage.s3);
  const S3StorageSpec& s3 = *s.storage.s3;
  EXPECT_EQ(s3.bucket, "backups");
  EXPECT_EQ(s3.endpoint, "minio.minio.svc.cluster.local:9000");
  EXPECT_EQ(s3.region, "us-east-1");
  EXPECT_EQ(s3.prefix, "mariadb");
  ASSERT_TRUE(s3.access_key_id);
  EXPECT_EQ(s3.access_key_id->name, "minio");
  EXPECT_EQ(s3.access_key_id->key, "access-key-id");
  ASSERT_TRUE(s3.secret_access_key);
  EXPECT_EQ(s3.secret_access_key->key, "secret-access-key");
  EXPECT_FALSE(s3.session_token);
  EXPECT_TRUE(s3.tls_enabled);
  ASSERT_TRUE(s3.tls_ca);
  EXPECT_EQ(s3.tls_ca->name, "minio-ca");
  EXPECT_EQ(s3.storage_class, "");

  EXPECT_EQ(fields_unsupported_locally(b),
            (std::vector<std::string>{"spec.resources", "spec.restartPolicy", "spec.backoffLimit",
                                      "spec.logLevel", "spec.stagingStorage",
                                      "spec.successfulJobsHistoryLimit"}));
}

TEST(BackupSpec, TutorialFormIsAcceptedAndRewrittenToTheOperatorsNames) {
  const json b = valid(object("Backup", R"(
  backupType: Physical
  mariadbRef: {name: galera}
  schedule:
    cron: "0 3 * * *"
    timezone: Europe/Berlin
  retentionPolicy: {keepLast: 7, ttl: 14d}
  encryption:
    keySecretKeyRef: {name: backup-key, key: key}
  mariabackup: {extraArgs: [--parallel=4]}
  args: [--lock-ddl-per-table]
  podSelector: galera-2
  timeout: 30m
  storage:
    s3:
      bucket: backups
      endpoint: https://s3.eu-central-1.amazonaws.com
      region: eu-central-1
      storageClass: STANDARD_IA
)"));
  ASSERT_TRUE(b.is_object());
  const json& spec = b["spec"];
  EXPECT_EQ(spec["backupType"], "physical");
  EXPECT_EQ(spec["mariaDbRef"]["name"], "galera");
  EXPECT_FALSE(spec.contains("mariadbRef"));
  EXPECT_EQ(spec["schedule"]["timeZone"], "Europe/Berlin");
  EXPECT_FALSE(spec["schedule"].contains("timezone"));
  EXPECT_EQ(spec["target"], "galera-2");
  EXPECT_FALSE(spec.contains("podSelector"));
  EXPECT_FALSE(spec.contains("maxRetention"));  // a retentionPolicy replaces the default

  const BackupSpec s = backup_spec_from(b);
  EXPECT_EQ(s.method, BackupMethod::kPhysical);
  EXPECT_EQ(s.mariadb, "galera");
  ASSERT_TRUE(s.schedule);
  EXPECT_EQ(s.schedule->cron, "0 3 * * *");
  EXPECT_EQ(s.schedule->time_zone, "Europe/Berlin");
  EXPECT_EQ(s.retention.keep_last, 7);
  EXPECT_EQ(s.retention.ttl, hours(14 * 24));
  EXPECT_FALSE(s.retention.max_retention);
  EXPECT_EQ(s.compression, "zstd");
  ASSERT_TRUE(s.encryption_key);
  EXPECT_EQ(s.encryption_key->name, "backup-key");
  EXPECT_EQ(s.encryption_key->key, "key");
  EXPECT_EQ(s.extra_args, (std::vector<std::string>{"--lock-ddl-per-table", "--parallel=4"}));
  EXPECT_EQ(s.target.mode, BackupTargetSpec::Mode::kPod);
  EXPECT_EQ(s.target.pod, "galera-2");
  EXPECT_EQ(s.timeout, minutes(30));
  ASSERT_TRUE(s.storage.s3);
  EXPECT_EQ(s.storage.s3->region, "eu-central-1");
  EXPECT_TRUE(s.storage.s3->tls_enabled);  // from the https:// endpoint
  EXPECT_EQ(s.storage.s3->storage_class, "STANDARD_IA");
  EXPECT_TRUE(fields_unsupported_locally(b).empty());
}

TEST(BackupSpec, DefaultsAreWrittenIntoTheObject) {
  const json b = valid(backup(""));
  ASSERT_TRUE(b.is_object());
  const json& spec = b["spec"];
  EXPECT_EQ(spec["backupType"], "logical");
  EXPECT_EQ(spec["compression"], "zstd");
  EXPECT_EQ(spec["target"], "PreferReplica");
  EXPECT_EQ(spec["maxRetention"], "720h");
  EXPECT_FALSE(spec.contains("timeout"));
  EXPECT_FALSE(spec.contains("schedule"));

  const BackupSpec s = backup_spec_from(b);
  EXPECT_EQ(s.method, BackupMethod::kLogical);
  EXPECT_FALSE(s.schedule);  // run once
  EXPECT_EQ(s.retention.max_retention, hours(720));
  EXPECT_EQ(s.ignore_global_priv, std::nullopt);
  EXPECT_TRUE(s.extra_args.empty());
  EXPECT_TRUE(s.databases.empty());
  EXPECT_EQ(s.storage.directory, "/var/backups");
  EXPECT_FALSE(s.storage.s3);

  const json scheduled = valid(backup("  schedule: {cron: '@daily'}\n"));
  EXPECT_EQ(scheduled["spec"]["schedule"],
            json({{"cron", "@daily"}, {"suspend", false}, {"immediate", true}}));
}

TEST(BackupSpec, LogicalOptionsOfTheTutorialForm) {
  const BackupSpec s = backup_spec_from(valid(
      backup("  backupType: logical\n  mysqldump: {databases: [shop], extraArgs: [--events]}\n"
             "  args: [--single-transaction]\n  maxRetention: 30d\n")));
  EXPECT_EQ(s.method, BackupMethod::kLogical);
  EXPECT_EQ(s.databases, (std::vector<std::string>{"shop"}));
  EXPECT_EQ(s.extra_args, (std::vector<std::string>{"--single-transaction", "--events"}));
  EXPECT_EQ(s.retention.max_retention, hours(720));
}

TEST(BackupSpec, MaxRetentionTakesDaysOrGoDurations) {
  for (const char* text : {"30d", "720h", "29d24h", "43200m"}) {
    const json b = valid(backup(std::string("  maxRetention: ") + text + "\n"));
    ASSERT_TRUE(b.is_object()) << text;
    EXPECT_EQ(backup_spec_from(b).retention.max_retention, hours(720)) << text;
  }
}

TEST(BackupSpec, StorageVolumesBecomeDirectories) {
  const auto directory_of = [](const std::string& storage, const std::string& ns) {
    const json b = valid(
        object("Backup", "  mariaDbRef: {name: galera}\n  storage:\n" + storage, "nightly", ns));
    return b.is_object() ? backup_spec_from(b).storage.directory : std::nullopt;
  };
  EXPECT_EQ(directory_of("    volume: {hostPath: {path: /srv/backups, type: DirectoryOrCreate}}\n",
                         "default"),
            "/srv/backups");
  EXPECT_EQ(directory_of("    volume: {persistentVolumeClaim: {claimName: backups}}\n", "prod"),
            "volumes/prod/backups");
  EXPECT_EQ(directory_of("    persistentVolumeClaim:\n      accessModes: [ReadWriteOnce]\n"
                         "      resources: {requests: {storage: 10Gi}}\n",
                         "prod"),
            "volumes/prod/nightly");
}

TEST(BackupSpec, TargetsAreReplicasOrAPod) {
  EXPECT_EQ(backup_spec_from(valid(backup("  target: Replica\n"))).target.mode,
            BackupTargetSpec::Mode::kReplica);
  EXPECT_EQ(backup_spec_from(valid(backup("  target: PreferReplica\n"))).target.mode,
            BackupTargetSpec::Mode::kPreferReplica);
  const BackupTargetSpec pod = backup_spec_from(valid(backup("  target: galera-10\n"))).target;
  EXPECT_EQ(pod.mode, BackupTargetSpec::Mode::kPod);
  EXPECT_EQ(pod.pod, "galera-10");
}

TEST(BackupSpec, OnDemandAloneIsASchedule) {
  const BackupSpec s = backup_spec_from(
      valid(backup("  schedule: {onDemand: 'run-1', immediate: false, suspend: true}\n")));
  ASSERT_TRUE(s.schedule);
  EXPECT_EQ(s.schedule->cron, "");
  EXPECT_EQ(s.schedule->on_demand, "run-1");
  EXPECT_FALSE(s.schedule->immediate);
  EXPECT_TRUE(s.schedule->suspend);
}

TEST(BackupSpec, VerifyAfterBackupIsMdbopsOwnSwitchOnBothKinds) {
  for (const char* kind : {"Backup", "PhysicalBackup"}) {
    EXPECT_FALSE(backup_spec_from(valid(backup("", kind))).verify_after_backup) << kind;
    EXPECT_TRUE(
        backup_spec_from(valid(backup("  verifyAfterBackup: true\n", kind))).verify_after_backup)
        << kind;
    EXPECT_TRUE(HasText(
        issue_at(issues(backup("  verifyAfterBackup: 'yes'\n", kind)), "spec.verifyAfterBackup"),
        "must be true or false"))
        << kind;
  }
}

TEST(BackupSpec, RefusalsNameTheField) {
  expect_refusals({
      {object("Backup", "  storage: {volume: {hostPath: {path: /b}}}\n"), "spec.mariaDbRef",
       "required: the MariaDB to back up"},
      {backup("  mariadbRef: {name: galera}\n"), "spec.mariadbRef", "set only one of"},
      {object("Backup",
              "  mariaDbRef: {waitForIt: true}\n  storage: {volume: {hostPath: "
              "{path: /b}}}\n"),
       "spec.mariaDbRef.name", "required"},
      {object("Backup",
              "  mariaDbRef: {name: galera, namespace: prod}\n  storage: {volume: "
              "{hostPath: {path: /b}}}\n"),
       "spec.mariaDbRef.namespace", "own namespace \"default\""},
      {object("Backup",
              "  mariaDbRef: {name: galera, kind: ExternalMariaDB}\n  storage: "
              "{volume: {hostPath: {path: /b}}}\n"),
       "spec.mariaDbRef.kind", "not supported"},
      {object("Backup", "  mariaDbRef: {name: galera}\n"), "spec.storage",
       "set one of s3, persistentVolumeClaim or volume"},
      {stored_in("    s3: {bucket: b, endpoint: e}\n    volume: {hostPath: {path: /b}}\n"),
       "spec.storage",
       "set exactly one of s3, persistentVolumeClaim or volume (found s3 and "
       "volume)"},
      {stored_in("    s3: {endpoint: minio:9000}\n"), "spec.storage.s3.bucket", "required"},
      {stored_in("    s3: {bucket: b}\n"), "spec.storage.s3.region", "required without endpoint"},
      {stored_in("    s3: {bucket: b, endpoint: ''}\n"), "spec.storage.s3.endpoint",
       "leave it out for AWS S3"},
      {stored_in("    s3: {bucket: b/galera, endpoint: e}\n"), "spec.storage.s3.bucket", "prefix"},
      {stored_in("    s3: {bucket: b, endpoint: 'ftp://host'}\n"), "spec.storage.s3.endpoint",
       "https://"},
      {stored_in("    s3: {bucket: b, endpoint: e, ssec: {customerKeySecretKeyRef: {name: k, "
                 "key: k}}}\n"),
       "spec.storage.s3.ssec", "use `encryption` instead"},
      {stored_in("    s3: {bucket: b, endpoint: e, accessKeyIdSecretKeyRef: {name: s, key: "
                 "id}}\n"),
       "spec.storage.s3.secretAccessKeySecretKeyRef", "required with accessKeyIdSecretKeyRef"},
      {stored_in("    s3: {bucket: b, endpoint: e, accessKeyIdSecretKeyRef: {name: s}, "
                 "secretAccessKeySecretKeyRef: {name: s, key: k}}\n"),
       "spec.storage.s3.accessKeyIdSecretKeyRef.key", "required"},
      {stored_in("    s3: {bucket: b, endpoint: e, accessKeyIdSecretKeyRef: {key: id}, "
                 "secretAccessKeySecretKeyRef: {name: s, key: k}}\n"),
       "spec.storage.s3.accessKeyIdSecretKeyRef.name", "required"},
      {stored_in("    s3: {bucket: b, endpoint: e, sessionTokenSecretKeyRef: {name: s, key: "
                 "t}}\n"),
       "spec.storage.s3.sessionTokenSecretKeyRef", "set them too"},
      {stored_in("    s3: {bucket: b, endpoint: 'http://minio:9000', tls: {enabled: true}}\n"),
       "spec.storage.s3.tls.enabled", "contradicts"},
      {stored_in("    s3: {bucket: b, endpoint: e, tls: {caSecretKeyRef: {name: ca, key: "
                 "ca.crt}}}\n"),
       "spec.storage.s3.tls.caSecretKeyRef", "only used over TLS"},
      {stored_in("    volume: {emptyDir: {}}\n"), "spec.storage.volume.emptyDir", "would be lost"},
      {stored_in("    volume: {nfs: {server: nas, path: /exports}}\n"), "spec.storage.volume.nfs",
       "hostPath.path"},
      {stored_in("    volume: {csi: {driver: x}}\n"), "spec.storage.volume.csi", "need Kubernetes"},
      {stored_in("    volume: {}\n"), "spec.storage.volume",
       "set one of hostPath or persistentVolumeClaim"},
      {stored_in("    volume: {hostPath: {path: backups}}\n"), "spec.storage.volume.hostPath.path",
       "absolute"},
      {stored_in("    volume: {hostPath: {type: File, path: /b}}\n"),
       "spec.storage.volume.hostPath.type", "must be one of"},
      {stored_in("    volume: {persistentVolumeClaim: {claimName: ../etc}}\n"),
       "spec.storage.volume.persistentVolumeClaim.claimName", "not a valid claim name"},
      {stored_in("    volume: {persistentVolumeClaim: {claimName: b, readOnly: true}}\n"),
       "spec.storage.volume.persistentVolumeClaim.readOnly", "remove readOnly"},
      {stored_in("    persistentVolumeClaim: {size: 1Gi}\n"),
       "spec.storage.persistentVolumeClaim.size", "unknown field"},
      {backup("  schedule: {cron: '0 3 * *'}\n"), "spec.schedule.cron", "expected 5 fields"},
      {backup("  schedule: {cron: '0 0 3 * * *'}\n"), "spec.schedule.cron", "got 6"},
      {backup("  schedule: {cron: ''}\n"), "spec.schedule.cron", "got 0"},
      {backup("  schedule: {cron: '@fortnightly'}\n"), "spec.schedule.cron", "unknown macro"},
      {backup("  schedule: {suspend: true}\n"), "spec.schedule", "set cron"},
      {backup("  schedule: {cron: '@daily', timeZone: Mars/Olympus}\n"), "spec.schedule.timeZone",
       "\"Europe/Berlin\""},
      {backup("  schedule: {cron: '@daily', timeZone: UTC, timezone: UTC}\n"),
       "spec.schedule.timezone", "not both"},
      {backup("  schedule: {cron: '@daily', timeZone: Europe/Paris}\n  timeZone: UTC\n"),
       "spec.timeZone", "contradicts"},
      {backup("  timeZone: Berlin\n"), "spec.timeZone", "unknown time zone \"Berlin\""},
      {backup("  retentionPolicy: {keepLast: 0}\n"), "spec.retentionPolicy.keepLast",
       "must be at least 1"},
      {backup("  retentionPolicy: {}\n"), "spec.retentionPolicy", "set keepLast, ttl or both"},
      {backup("  retentionPolicy: {ttl: 7d}\n  maxRetention: 7d\n"), "spec.maxRetention",
       "not both"},
      {backup("  retentionPolicy: {ttl: 0d}\n"), "spec.retentionPolicy.ttl", "longer than zero"},
      {backup("  maxRetention: 30\n"), "spec.maxRetention", "\"30d\""},
      {backup("  maxRetention: 4w\n"), "spec.maxRetention", "unknown unit \"w\""},
      {backup("  maxRetention: 0s\n"), "spec.maxRetention", "longer than zero"},
      {backup("  timeout: 1d\n"), "spec.timeout", "unknown unit \"d\""},
      {backup("  timeout: 0s\n"), "spec.timeout", "longer than zero"},
      {backup("  compression: lz4\n"), "spec.compression", "zstd, gzip, bzip2, none"},
      {backup("  backupType: incremental\n"), "spec.backupType", "logical, physical"},
      {backup("  mariabackup: {extraArgs: [--parallel=4]}\n"), "spec.mariabackup",
       "physical backups only"},
      {backup("  backupType: physical\n  mysqldump: {extraArgs: [--events]}\n"), "spec.mysqldump",
       "logical backups only"},
      {backup("  backupType: physical\n  databases: [shop]\n"), "spec.databases",
       "logical backups only"},
      {backup("  databases: [shop]\n  mysqldump: {databases: [blog]}\n"),
       "spec.mysqldump.databases", "keep one"},
      {backup("  databases: ['']\n"), "spec.databases", "must not be empty"},
      {backup("  args: [--compress, 1]\n"), "spec.args", "list of strings"},
      {backup("  target: Primary\n"), "spec.target", "Replica, PreferReplica or one of"},
      {backup("  target: other-0\n"), "spec.target", "such as galera-0"},
      {backup("  target: galera-01\n"), "spec.target", "such as galera-0"},
      {backup("  target: ''\n"), "spec.target", "must not be empty"},
      {backup("  podSelector: Replica\n"), "spec.podSelector", "one of the MariaDB's pods"},
      {backup("  target: Replica\n  podSelector: galera-1\n"), "spec.podSelector", "not both"},
      {backup("  encryption: {}\n"), "spec.encryption.keySecretKeyRef", "required"},
      {backup("  encryption: {keySecretKeyRef: {name: key}}\n"),
       "spec.encryption.keySecretKeyRef.key", "required"},
      {backup("  backoffLimit: -1\n"), "spec.backoffLimit", "must not be negative"},
      {backup("  retention: {keepLast: 7}\n"), "spec.retention", "did you mean"},
  });
}

// --- PhysicalBackup --------------------------------------------------------------------------

TEST(PhysicalBackupSpec, OperatorFormIsAcceptedAndHonoured) {
  const json b = valid(object("PhysicalBackup", R"(
  mariaDbRef: {name: galera}
  target: Replica
  schedule:
    cron: "0 */6 * * *"
    suspend: false
    immediate: false
    onDemand: "2"
  maxRetention: 168h
  timeout: 2h
  compression: bzip2
  podAffinity: true
  tolerations: []
  successfulJobsHistoryLimit: 5
  storage:
    persistentVolumeClaim:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 100Gi}}
)",
                              "physical"));
  ASSERT_TRUE(b.is_object());
  const BackupSpec s = backup_spec_from(b);
  EXPECT_EQ(s.method, BackupMethod::kPhysical);
  EXPECT_EQ(s.mariadb, "galera");
  EXPECT_EQ(s.target.mode, BackupTargetSpec::Mode::kReplica);
  ASSERT_TRUE(s.schedule);
  EXPECT_EQ(s.schedule->cron, "0 */6 * * *");
  EXPECT_FALSE(s.schedule->immediate);
  EXPECT_EQ(s.schedule->on_demand, "2");
  EXPECT_EQ(s.retention.max_retention, hours(168));
  EXPECT_EQ(s.timeout, hours(2));
  EXPECT_EQ(s.compression, "bzip2");
  EXPECT_EQ(s.storage.directory, "volumes/default/physical");
  EXPECT_EQ(fields_unsupported_locally(b),
            (std::vector<std::string>{"spec.tolerations", "spec.successfulJobsHistoryLimit",
                                      "spec.podAffinity",
                                      "spec.storage.persistentVolumeClaim.resources"}));
}

TEST(PhysicalBackupSpec, DefaultsFollowTheOperatorWhereItHasOne) {
  const json b = valid(backup("", "PhysicalBackup"));
  ASSERT_TRUE(b.is_object());
  EXPECT_FALSE(b["spec"].contains("backupType"));
  EXPECT_EQ(b["spec"]["timeout"], "1h");
  EXPECT_EQ(b["spec"]["maxRetention"], "720h");
  EXPECT_EQ(b["spec"]["compression"], "zstd");
  EXPECT_EQ(b["spec"]["target"], "PreferReplica");
  const BackupSpec s = backup_spec_from(b);
  EXPECT_EQ(s.method, BackupMethod::kPhysical);
  EXPECT_EQ(s.timeout, hours(1));
}

TEST(PhysicalBackupSpec, RefusalsNameTheField) {
  const auto physical = [](const std::string& extra) { return backup(extra, "PhysicalBackup"); };
  expect_refusals({
      {physical("  backupType: physical\n"), "spec.backupType", "always physical"},
      {physical("  mysqldump: {extraArgs: [--events]}\n"), "spec.mysqldump",
       "logical backups only"},
      {physical("  databases: [shop]\n"), "spec.databases", "logical backups only"},
      {physical("  ignoreGlobalPriv: true\n"), "spec.ignoreGlobalPriv", "logical backups only"},
      {physical("  affinity: {}\n"), "spec.affinity", "unknown field"},
      {physical("  timeZone: UTC\n"), "spec.timeZone", "unknown field"},
      {stored_in("    volumeSnapshot: {volumeSnapshotClassName: csi}\n", "PhysicalBackup"),
       "spec.storage.volumeSnapshot", "cannot take"},
      {stored_in("    azureBlob: {containerName: c, serviceURL: u}\n", "PhysicalBackup"),
       "spec.storage.azureBlob", "not supported"},
      {stored_in("    volumeSnapshot: {volumeSnapshotClassName: csi}\n"
                 "    volume: {hostPath: {path: /b}}\n",
                 "PhysicalBackup"),
       "spec.storage", "(found volume and volumeSnapshot)"},
  });
  // A refused storage kind is reported once, not also as "no storage".
  const auto found =
      issues(stored_in("    volumeSnapshot: {volumeSnapshotClassName: csi}\n", "PhysicalBackup"));
  EXPECT_EQ(found.size(), 1u);
}

// --- Restore ---------------------------------------------------------------------------------

TEST(RestoreSpec, OperatorFormIsAcceptedAndHonoured) {
  const json r = valid(restore(R"(
  mariaDbRef: {name: galera}
  backupRef: {name: nightly}
  targetRecoveryTime: 2026-11-22T14:30:00Z
  database: shop
  logLevel: debug
  args: [--verbose]
  resources: {limits: {memory: 1Gi}}
)"));
  ASSERT_TRUE(r.is_object());
  const RestoreSpec s = restore_spec_from(r);
  EXPECT_EQ(s.mariadb, "galera");
  EXPECT_EQ(s.database, "shop");
  EXPECT_EQ(s.source.backup_ref, "nightly");
  EXPECT_EQ(s.source.backup_ref_kind, "");
  EXPECT_FALSE(s.source.method);
  EXPECT_FALSE(s.source.storage);
  EXPECT_EQ(s.source.target_recovery_time, utc(2026, 11, 22, 14, 30, 0));
  EXPECT_EQ(s.source.artifact, "");
  EXPECT_FALSE(s.source.encryption_key);
  EXPECT_EQ(fields_unsupported_locally(r),
            (std::vector<std::string>{"spec.resources", "spec.logLevel", "spec.args"}));
}

TEST(RestoreSpec, DirectLocationsWithEncryptionAndAnArtifact) {
  const json r = valid(restore(R"(
  targetMariaDB: {name: galera}
  s3:
    bucket: backups
    endpoint: minio:9000
    prefix: galera/
  encryption:
    keySecretKeyRef: {name: backup-key, key: key}
  artifact: 20261122T030000Z-physical
)"));
  ASSERT_TRUE(r.is_object());
  EXPECT_EQ(r["spec"]["mariaDbRef"]["name"], "galera");
  EXPECT_FALSE(r["spec"].contains("targetMariaDB"));
  const RestoreSpec s = restore_spec_from(r);
  EXPECT_EQ(s.mariadb, "galera");
  EXPECT_EQ(s.source.backup_ref, "");
  ASSERT_TRUE(s.source.storage);
  ASSERT_TRUE(s.source.storage->s3);
  EXPECT_EQ(s.source.storage->s3->prefix, "galera");
  EXPECT_FALSE(s.source.storage->directory);
  ASSERT_TRUE(s.source.encryption_key);
  EXPECT_EQ(s.source.encryption_key->name, "backup-key");
  EXPECT_EQ(s.source.artifact, "20261122T030000Z-physical");
  EXPECT_FALSE(s.source.target_recovery_time);

  const RestoreSpec from_volume = restore_spec_from(
      valid(restore("  mariadbRef: {name: galera}\n"
                    "  volume: {persistentVolumeClaim: {claimName: backups, readOnly: true}}\n"
                    "  targetRecoveryTime: '2026-11-22T15:30:00+01:00'\n")));
  ASSERT_TRUE(from_volume.source.storage);
  EXPECT_EQ(from_volume.source.storage->directory, "volumes/default/backups");
  EXPECT_EQ(from_volume.source.target_recovery_time, utc(2026, 11, 22, 14, 30, 0));
}

TEST(RestoreSpec, BackupRefKindSaysTheMethod) {
  const RestoreSpec s =
      restore_spec_from(valid(restore("  mariaDbRef: {name: galera}\n"
                                      "  backupRef: {name: hourly, kind: PhysicalBackup}\n")));
  EXPECT_EQ(s.source.backup_ref_kind, "PhysicalBackup");
  EXPECT_EQ(s.source.method, BackupMethod::kPhysical);
}

TEST(RestoreSpec, RefusalsNameTheField) {
  const std::string ref = "  mariaDbRef: {name: galera}\n";
  expect_refusals({
      {restore(ref), "spec", "set one of backupRef, s3, volume or pointInTimeRecoveryRef"},
      {restore(ref + "  backupRef: {name: b}\n  volume: {hostPath: {path: /b}}\n"), "spec",
       "set exactly one of backupRef, s3, volume or pointInTimeRecoveryRef (found backupRef and "
       "volume)"},
      {restore("  backupRef: {name: b}\n"), "spec.mariaDbRef",
       "required: the MariaDB to restore into"},
      {restore(ref + "  targetMariaDB: {name: galera}\n  backupRef: {name: b}\n"),
       "spec.targetMariaDB", "set only one of mariaDbRef, mariadbRef or targetMariaDB"},
      {restore(ref + "  backupRef: {kind: Backup}\n"), "spec.backupRef.name", "required"},
      {restore(ref + "  backupRef: {name: b, kind: VolumeSnapshot}\n"), "spec.backupRef.kind",
       "Backup, PhysicalBackup"},
      {restore(ref + "  backupRef: {name: b}\n  encryption: {keySecretKeyRef: {name: k, key: "
                     "k}}\n"),
       "spec.encryption", "its backup's own encryption key"},
      {restore(ref + "  s3: {bucket: b, endpoint: e}\n  encryption: {keySecretKeyRef: {name: "
                     "k}}\n"),
       "spec.encryption.keySecretKeyRef.key", "required"},
      {restore(ref + "  backupRef: {name: b}\n  artifact: x\n  targetRecoveryTime: "
                     "2026-11-22T14:30:00Z\n"),
       "spec.artifact", "not both"},
      {restore(ref + "  backupRef: {name: b}\n  artifact: ''\n"), "spec.artifact",
       "must not be empty"},
      {restore(ref + "  backupRef: {name: b}\n  targetRecoveryTime: yesterday\n"),
       "spec.targetRecoveryTime", "invalid time \"yesterday\""},
      {restore(ref + "  backupRef: {name: b}\n  targetRecoveryTime: 2026-02-30T00:00:00Z\n"),
       "spec.targetRecoveryTime", "no such date"},
      {restore(ref + "  backupRef: {name: b}\n  targetRecoveryTime: 2026-11-22T14:30:00\n"),
       "spec.targetRecoveryTime", "missing time zone"},
      {restore(ref + "  backupRef: {name: b, kind: PhysicalBackup}\n  database: shop\n"),
       "spec.database", "logical backups only"},
      {restore(ref + "  s3: {endpoint: e}\n"), "spec.s3.bucket", "required"},
      {restore(ref + "  volume: {emptyDir: {}}\n"), "spec.volume.emptyDir", "would be lost"},
      {restore(ref + "  volume: {hostPath: {path: b}}\n"), "spec.volume.hostPath.path", "absolute"},
      {restore(ref + "  backupRef: {name: b}\n  storage: {}\n"), "spec.storage", "unknown field"},
  });
}

// A restore to a moment: pointInTimeRecoveryRef, with a time, a GTID or no target.

TEST(RestoreSpec, ToAMomentReadsItsTarget) {
  const std::string ref = "  mariaDbRef: {name: galera}\n  pointInTimeRecoveryRef: {name: pitr}\n";
  const RestoreSpec at_a_time =
      restore_spec_from(valid(restore(ref + "  targetRecoveryTime: '2026-12-02T14:30:04Z'\n"
                                            "  mariabackup: {extraArgs: [--use-memory=1G]}\n"
                                            "  stagingStorage: {volume: {emptyDir: {}}}\n")));
  EXPECT_EQ(at_a_time.source.point_in_time_recovery, "pitr");
  EXPECT_EQ(at_a_time.source.target_recovery_time, utc(2026, 12, 2, 14, 30, 4));
  EXPECT_EQ(at_a_time.source.target_recovery_gtid, "");
  EXPECT_EQ(at_a_time.source.method, BackupMethod::kPhysical);  // the base is a physical backup
  EXPECT_EQ(at_a_time.source.backup_ref, "");
  EXPECT_FALSE(at_a_time.source.storage);
  EXPECT_EQ(at_a_time.prepare_args, std::vector<std::string>{"--use-memory=1G"});

  const RestoreSpec at_a_gtid =
      restore_spec_from(valid(restore(ref + "  targetRecoveryGtid: 0-1-1234\n")));
  EXPECT_EQ(at_a_gtid.source.point_in_time_recovery, "pitr");
  EXPECT_EQ(at_a_gtid.source.target_recovery_gtid, "0-1-1234");
  EXPECT_FALSE(at_a_gtid.source.target_recovery_time);

  const RestoreSpec latest = restore_spec_from(valid(restore(ref)));
  EXPECT_EQ(latest.source.point_in_time_recovery, "pitr");
  EXPECT_FALSE(latest.source.target_recovery_time);
  EXPECT_EQ(latest.source.target_recovery_gtid, "");
}

TEST(RestoreSpec, TargetRecoveryGtidIsDomainServerSequence) {
  const std::string ref = "  mariaDbRef: {name: galera}\n  pointInTimeRecoveryRef: {name: pitr}\n";
  for (const std::string gtid :
       {"0-1-1234", "0-0-0", "4294967295-4294967295-18446744073709551615", "00-01-1"}) {
    EXPECT_EQ(restore_spec_from(valid(restore(ref + "  targetRecoveryGtid: '" + gtid + "'\n")))
                  .source.target_recovery_gtid,
              gtid);
  }
  for (const std::string gtid :
       {"", "1234", "0-1", "0-1-2-3", "0-1-", "-0-1-2", "0--1-2", "4294967296-1-2",
        "0-4294967296-2", "0-1-18446744073709551616", "+0-1-2", "0-1-+2", " 0-1-2", "0-1-2 ",
        "0-1-0x10", "a-b-c", "0_1_2"}) {
    EXPECT_TRUE(HasText(issue_at(issues(restore(ref + "  targetRecoveryGtid: '" + gtid + "'\n")),
                                 "spec.targetRecoveryGtid"),
                        "is not a GTID: write domain-server-sequence"))
        << gtid;
  }
}

TEST(RestoreSpec, ToAMomentRefusalsNameTheFieldAndTheFix) {
  const std::string ref = "  mariaDbRef: {name: galera}\n";
  const std::string pitr = ref + "  pointInTimeRecoveryRef: {name: pitr}\n";
  expect_refusals({
      {restore(pitr + "  backupRef: {name: b}\n"), "spec",
       "set exactly one of backupRef, s3, volume or pointInTimeRecoveryRef (found backupRef and "
       "pointInTimeRecoveryRef)"},
      {restore(ref + "  pointInTimeRecoveryRef: {}\n"), "spec.pointInTimeRecoveryRef.name",
       "required: the name of the PointInTimeRecovery"},
      {restore(ref + "  pointInTimeRecoveryRef: {name: ''}\n"), "spec.pointInTimeRecoveryRef.name",
       "required"},
      {restore(ref + "  pointInTimeRecoveryRef: {name: pitr, namespace: other}\n"),
       "spec.pointInTimeRecoveryRef.namespace", "unknown field"},
      {restore(ref + "  backupRef: {name: b}\n  targetRecoveryGtid: 0-1-5\n"),
       "spec.targetRecoveryGtid", "add pointInTimeRecoveryRef: {name: <PointInTimeRecovery>}"},
      {restore(ref + "  s3: {bucket: b, endpoint: e}\n  targetRecoveryGtid: 0-1-5\n"),
       "spec.targetRecoveryGtid", "or remove targetRecoveryGtid"},
      {restore(pitr + "  targetRecoveryGtid: 0-1-5\n  targetRecoveryTime: 2026-12-02T14:30:04Z\n"),
       "spec.targetRecoveryGtid", "set either targetRecoveryTime"},
      {restore(pitr + "  targetRecoveryGtid: 0-1\n"), "spec.targetRecoveryGtid",
       "\"0-1\" is not a GTID: write domain-server-sequence"},
      {restore(pitr + "  artifact: 20261122T030000Z-physical\n"), "spec.artifact",
       "remove artifact"},
      {restore(pitr + "  encryption: {keySecretKeyRef: {name: k, key: k}}\n"), "spec.encryption",
       "the keys of the PointInTimeRecovery and its PhysicalBackup; remove encryption"},
      {restore(pitr + "  database: shop\n"), "spec.database",
       "a pointInTimeRecoveryRef restores a physical base backup, with every database; remove "
       "database"},
      {restore(pitr + "  mariabackup: {extraArgs: [--target-dir=/x]}\n"),
       "spec.mariabackup.extraArgs[0]", "is not among the options"},
      {restore(ref + "  backupRef: {name: b}\n  pointInTime:\n    timestamp: 2026-12-02T14:30:04Z\n"
                     "    binlogStorage: {s3: {bucket: binlogs}}\n"),
       "spec.pointInTime",
       "write pointInTimeRecoveryRef: {name: <PointInTimeRecovery>} and targetRecoveryTime"},
  });
}

// --- MariaDB spec.bootstrapFrom ----------------------------------------------------------------

// What the Restore made from a MariaDB's bootstrapFrom reads.
std::optional<RestoreSourceSpec> bootstrap_from_of(const json& mariadb) {
  auto restore = bootstrap_restore_of(mariadb);
  if (!restore) return std::nullopt;
  EXPECT_EQ((*restore)["metadata"]["name"],
            mariadb["metadata"]["name"].get<std::string>() + "-bootstrap");
  auto checked = validate_and_default(*restore);
  EXPECT_TRUE(checked) << "the Restore made from bootstrapFrom is refused";
  if (!checked) return std::nullopt;
  return restore_spec_from(*checked).source;
}

TEST(BootstrapFrom, AbsentWhenNotGiven) {
  EXPECT_FALSE(bootstrap_restore_of(valid(object("MariaDB", "  replicas: 1\n", "galera"))));
}

TEST(BootstrapFrom, BackupRefWithKindImpliesTheContentType) {
  const json m =
      valid(mariadb_bootstrapped_from("    backupRef: {name: hourly, kind: PhysicalBackup}\n"
                                      "    targetRecoveryTime: '2026-11-22T14:30:00.250Z'\n"));
  ASSERT_TRUE(m.is_object());
  EXPECT_EQ(m["spec"]["bootstrapFrom"]["backupContentType"], "Physical");
  const auto source = bootstrap_from_of(m);
  ASSERT_TRUE(source);
  EXPECT_EQ(source->backup_ref, "hourly");
  EXPECT_EQ(source->backup_ref_kind, "PhysicalBackup");
  EXPECT_EQ(source->method, BackupMethod::kPhysical);
  EXPECT_EQ(source->target_recovery_time,
            utc(2026, 11, 22, 14, 30, 0) + std::chrono::milliseconds(250));
  EXPECT_FALSE(source->storage);
}

TEST(BootstrapFrom, ContentTypeImpliesTheBackupRefKind) {
  const json m = valid(mariadb_bootstrapped_from(
      "    backupRef: {name: nightly}\n    backupContentType: Logical\n"));
  ASSERT_TRUE(m.is_object());
  EXPECT_EQ(m["spec"]["bootstrapFrom"]["backupRef"]["kind"], "Backup");
  EXPECT_EQ(bootstrap_from_of(m)->method, BackupMethod::kLogical);

  const auto unknown =
      bootstrap_from_of(valid(mariadb_bootstrapped_from("    backupRef: {name: nightly}\n")));
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->backup_ref_kind, "");  // the controller looks up both kinds
  EXPECT_FALSE(unknown->method);
}

TEST(BootstrapFrom, DirectLocations) {
  const json m = valid(
      mariadb_bootstrapped_from("    s3: {bucket: backups, endpoint: minio:9000, prefix: galera}\n"
                                "    backupContentType: Physical\n"
                                "    encryption: {keySecretKeyRef: {name: backup-key, key: key}}\n"
                                "    stagingStorage: {volume: {emptyDir: {}}}\n"
                                "    restoreJob: {resources: {limits: {memory: 1Gi}}}\n"));
  ASSERT_TRUE(m.is_object());
  const auto source = bootstrap_from_of(m);
  ASSERT_TRUE(source);
  ASSERT_TRUE(source->storage);
  ASSERT_TRUE(source->storage->s3);
  EXPECT_EQ(source->storage->s3->bucket, "backups");
  ASSERT_TRUE(source->encryption_key);
  EXPECT_EQ(source->encryption_key->key, "key");
  EXPECT_EQ(fields_unsupported_locally(m),
            (std::vector<std::string>{"spec.bootstrapFrom.stagingStorage",
                                      "spec.bootstrapFrom.restoreJob"}));

  const auto from_dir = bootstrap_from_of(
      valid(mariadb_bootstrapped_from("    volume: {hostPath: {path: /srv/backups}}\n")));
  ASSERT_TRUE(from_dir && from_dir->storage);
  EXPECT_EQ(from_dir->storage->directory, "/srv/backups");
}

TEST(BootstrapFrom, ToAMomentCarriesItsTarget) {
  const json m =
      valid(mariadb_bootstrapped_from("    pointInTimeRecoveryRef: {name: pitr}\n"
                                      "    targetRecoveryTime: 2026-12-02T14:30:04Z\n"
                                      "    backupContentType: Physical\n"));
  ASSERT_TRUE(m.is_object());
  const auto at_a_time = bootstrap_from_of(m);
  ASSERT_TRUE(at_a_time);
  EXPECT_EQ(at_a_time->point_in_time_recovery, "pitr");
  EXPECT_EQ(at_a_time->target_recovery_time, utc(2026, 12, 2, 14, 30, 4));
  EXPECT_EQ(at_a_time->method, BackupMethod::kPhysical);

  const json by_gtid =
      valid(mariadb_bootstrapped_from("    pointInTimeRecoveryRef: {name: pitr}\n"
                                      "    targetRecoveryGtid: 0-1-1234\n"));
  ASSERT_TRUE(by_gtid.is_object());
  EXPECT_EQ(by_gtid["spec"]["bootstrapFrom"]["backupContentType"], "Physical");
  const auto at_a_gtid = bootstrap_from_of(by_gtid);
  ASSERT_TRUE(at_a_gtid);
  EXPECT_EQ(at_a_gtid->point_in_time_recovery, "pitr");
  EXPECT_EQ(at_a_gtid->target_recovery_gtid, "0-1-1234");
  EXPECT_FALSE(at_a_gtid->target_recovery_time);

  const auto latest = bootstrap_from_of(
      valid(mariadb_bootstrapped_from("    pointInTimeRecoveryRef: {name: pitr}\n")));
  ASSERT_TRUE(latest);
  EXPECT_EQ(latest->point_in_time_recovery, "pitr");
  EXPECT_EQ(latest->target_recovery_gtid, "");
  EXPECT_FALSE(latest->target_recovery_time);
}

TEST(BootstrapFrom, RefusalsNameTheField) {
  expect_refusals({
      {mariadb_bootstrapped_from("    targetRecoveryTime: 2026-11-22T14:30:00Z\n"),
       "spec.bootstrapFrom", "set one of backupRef, s3, volume or pointInTimeRecoveryRef"},
      {mariadb_bootstrapped_from("    volumeSnapshotRef: {name: snap}\n"),
       "spec.bootstrapFrom.volumeSnapshotRef", "needs Kubernetes"},
      {mariadb_bootstrapped_from("    pointInTimeRecoveryRef: {name: pitr}\n"
                                 "    volume: {hostPath: {path: /b}}\n"),
       "spec.bootstrapFrom", "(found volume and pointInTimeRecoveryRef)"},
      {mariadb_bootstrapped_from("    pointInTimeRecoveryRef: {}\n"),
       "spec.bootstrapFrom.pointInTimeRecoveryRef.name", "required"},
      {mariadb_bootstrapped_from("    pointInTimeRecoveryRef: {name: pitr}\n"
                                 "    backupContentType: Logical\n"),
       "spec.bootstrapFrom.backupContentType", "write backupContentType: Physical or remove it"},
      {mariadb_bootstrapped_from("    backupRef: {name: b}\n    targetRecoveryGtid: 0-1-5\n"),
       "spec.bootstrapFrom.targetRecoveryGtid", "add pointInTimeRecoveryRef"},
      {mariadb_bootstrapped_from("    pointInTimeRecoveryRef: {name: pitr}\n"
                                 "    targetRecoveryGtid: 0-1-5\n"
                                 "    targetRecoveryTime: 2026-12-02T14:30:04Z\n"),
       "spec.bootstrapFrom.targetRecoveryGtid", "not both"},
      {mariadb_bootstrapped_from("    pointInTimeRecoveryRef: {name: pitr}\n"
                                 "    targetRecoveryGtid: 0-1-x\n"),
       "spec.bootstrapFrom.targetRecoveryGtid", "is not a GTID"},
      {mariadb_bootstrapped_from("    pointInTimeRecoveryRef: {name: pitr}\n    artifact: a\n"),
       "spec.bootstrapFrom.artifact", "remove artifact"},
      {mariadb_bootstrapped_from("    pointInTimeRecoveryRef: {name: pitr}\n"
                                 "    encryption: {keySecretKeyRef: {name: k, key: k}}\n"),
       "spec.bootstrapFrom.encryption", "remove encryption"},
      {mariadb_bootstrapped_from("    backupRef: {name: b, kind: PhysicalBackup}\n"
                                 "    backupContentType: Logical\n"),
       "spec.bootstrapFrom.backupContentType", "contradicts backupRef.kind PhysicalBackup"},
      {mariadb_bootstrapped_from("    backupRef: {name: b}\n    backupContentType: physical\n"),
       "spec.bootstrapFrom.backupContentType", "Logical, Physical"},
      {mariadb_bootstrapped_from("    volume: {emptyDir: {}}\n"),
       "spec.bootstrapFrom.volume.emptyDir", "would be lost"},
      {mariadb_bootstrapped_from("    s3: {bucket: b, endpoint: e}\n"
                                 "    targetRecoveryTime: 22/11/2026\n"),
       "spec.bootstrapFrom.targetRecoveryTime", "2026-11-22T14:30:00Z"},
      {mariadb_bootstrapped_from("    backupRef: {name: b}\n    backupref: {name: c}\n"),
       "spec.bootstrapFrom.backupref", "did you mean \"backupRef\""},
  });
  // A refused source is reported once, not also as "no source".
  EXPECT_EQ(issues(mariadb_bootstrapped_from("    volumeSnapshotRef: {name: snap}\n")).size(), 1u);
}

// --- durations with days, RFC 3339 times -------------------------------------------------------

TEST(DurationWithDays, AddsTheDayUnitToGoDurations) {
  EXPECT_EQ(*parse_duration_with_days("30d"), hours(720));
  EXPECT_EQ(*parse_duration_with_days("1d12h"), hours(36));
  EXPECT_EQ(*parse_duration_with_days("1.5d"), hours(36));
  EXPECT_EQ(*parse_duration_with_days("720h"), hours(720));
  EXPECT_EQ(*parse_duration_with_days("0"), hours(0));
  EXPECT_FALSE(parse_go_duration("30d"));  // Go has no day unit
  for (const char* bad : {"", "d", "30", "30D", "1w", "300000d"}) {
    EXPECT_FALSE(parse_duration_with_days(bad)) << bad;
  }
}

TEST(Rfc3339, ParsesUtcOffsetsAndFractions) {
  EXPECT_EQ(*parse_rfc3339("2026-11-22T14:30:00Z"), utc(2026, 11, 22, 14, 30, 0));
  EXPECT_EQ(*parse_rfc3339("2026-11-22T15:30:00+01:00"), utc(2026, 11, 22, 14, 30, 0));
  EXPECT_EQ(*parse_rfc3339("2026-11-22T09:00:00-05:30"), utc(2026, 11, 22, 14, 30, 0));
  EXPECT_EQ(*parse_rfc3339("2026-01-01T00:30:00+01:00"), utc(2025, 12, 31, 23, 30, 0));
  EXPECT_EQ(*parse_rfc3339("2024-02-29T00:00:00.5Z"),
            utc(2024, 2, 29, 0, 0, 0) + std::chrono::milliseconds(500));
  EXPECT_EQ(*parse_rfc3339("1970-01-01T00:00:00Z"), std::chrono::system_clock::time_point{});
}

TEST(Rfc3339, RefusesWhatIsNotRfc3339) {
  for (const char* bad :
       {"", "2026-11-22", "2026-11-22 14:30:00Z", "2026-11-22T14:30Z", "2026-11-22T14:30:00",
        "2026-11-22T14:30:00+0100", "2026-11-22T14:30:00.Z", "2026-11-22T24:00:00Z",
        "2026-13-01T00:00:00Z", "2025-02-29T00:00:00Z", "2026-11-22T14:30:60Z",
        "2026-11-22T14:30:00Zjunk", "22/11/2026T14:30:00Z"}) {
    EXPECT_FALSE(parse_rfc3339(bad)) << bad;
  }
}

// A year the nanosecond time point cannot hold is refused, not overflowed (UBSan found
// "0001-01-01T00:00:00Z" overflowing); the years at the edges still parse.
TEST(Rfc3339, RefusesYearsATimePointCannotHold) {
  for (const char* far : {"0001-01-01T00:00:00Z", "1677-12-31T23:59:59Z", "2262-01-01T00:00:00Z",
                          "9999-12-31T23:59:59Z"}) {
    auto parsed = parse_rfc3339(far);
    ASSERT_FALSE(parsed) << far;
    EXPECT_NE(parsed.error().message.find("1678 and 2261"), std::string::npos) << far;
  }
  EXPECT_EQ(*parse_rfc3339("1678-01-01T00:00:00Z"), utc(1678, 1, 1, 0, 0, 0));
  EXPECT_EQ(*parse_rfc3339("2261-12-31T23:59:59Z"), utc(2261, 12, 31, 23, 59, 59));
}

}  // namespace
}  // namespace mdbop
