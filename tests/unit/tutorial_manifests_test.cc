// The backup manifests of the tutorials, as written: each is accepted and read as its author
// meant, or refused with a message saying what to write instead.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "api/backup_spec.h"
#include "api/manifest.h"
#include "api/mariabackup_options.h"
#include "manifest_test_util.h"

namespace mdbop {
namespace {

std::string object(const std::string& kind, const std::string& spec,
                   const std::string& ns = "default") {
  return "apiVersion: k8s.mariadb.com/v1alpha1\nkind: " + kind +
         "\nmetadata:\n  name: tutorial\n  namespace: " + ns + "\nspec:\n" + spec;
}

// A Backup of MariaDB "galera" in a host directory, plus `extra` spec lines.
std::string backup(const std::string& extra, const std::string& kind = "Backup") {
  return object(kind,
                "  mariaDbRef: {name: galera}\n"
                "  storage: {volume: {hostPath: {path: /var/backups}}}\n" +
                    extra);
}

// A Backup of MariaDB "galera" whose storage.s3 has these lines (indented 6).
std::string in_s3(const std::string& s3_lines) {
  return object("Backup",
                "  mariaDbRef: {name: galera}\n  storage:\n    s3:\n      bucket: b\n" + s3_lines);
}

std::string restore(const std::string& extra, const std::string& ns = "default") {
  return object("Restore", "  mariaDbRef: {name: galera}\n" + extra, ns);
}

// --- backupMethod ----------------------------------------------------------------------------

TEST(TutorialBackupMethod, MariabackupMeansPhysicalAndIsStoredAsBackupType) {
  for (const char* method : {"mariabackup", "mariadb-backup"}) {
    const json b = valid(backup(std::string("  backupMethod: ") + method + "\n"));
    ASSERT_TRUE(b.is_object()) << method;
    EXPECT_EQ(b["spec"]["backupType"], "physical") << method;
    EXPECT_FALSE(b["spec"].contains("backupMethod")) << method;
    EXPECT_EQ(backup_spec_from(b).method, BackupMethod::kPhysical) << method;
  }
  // With the mariabackup options it goes with, as the tutorial writes it.
  const json b =
      valid(backup("  backupMethod: mariabackup\n"
                   "  mariabackup: {extraArgs: [--parallel=4]}\n"));
  ASSERT_TRUE(b.is_object());
  EXPECT_EQ(backup_spec_from(b).extra_args, std::vector<std::string>{"--parallel=4"});
}

TEST(TutorialBackupMethod, DumpToolsMeanLogical) {
  for (const char* method : {"mysqldump", "mariadb-dump"}) {
    const json b = valid(backup(std::string("  backupMethod: ") + method + "\n"));
    ASSERT_TRUE(b.is_object()) << method;
    EXPECT_EQ(b["spec"]["backupType"], "logical") << method;
    EXPECT_EQ(backup_spec_from(b).method, BackupMethod::kLogical) << method;
  }
}

TEST(TutorialBackupMethod, AgreeingBackupTypeIsAcceptedAndPhysicalBackupKeepsItsKind) {
  EXPECT_EQ(
      valid(backup("  backupType: physical\n  backupMethod: mariabackup\n"))["spec"]["backupType"],
      "physical");
  const json p = valid(backup("  backupMethod: mariabackup\n", "PhysicalBackup"));
  ASSERT_TRUE(p.is_object());
  EXPECT_FALSE(p["spec"].contains("backupMethod"));
  EXPECT_FALSE(p["spec"].contains("backupType"));
}

TEST(TutorialBackupMethod, ContradictionsNameBothFields) {
  expect_refusals({
      {backup("  backupType: logical\n  backupMethod: mariabackup\n"), "spec.backupMethod",
       "contradicts spec.backupType: logical"},
      {backup("  backupType: Physical\n  backupMethod: mysqldump\n"), "spec.backupMethod",
       "contradicts spec.backupType: Physical"},
      {backup("  backupMethod: mysqldump\n", "PhysicalBackup"), "spec.backupMethod",
       "use a Backup with backupMethod: mysqldump"},
      {backup("  backupMethod: xtrabackup\n"), "spec.backupMethod", "must be one of"},
      {backup("  backupMethod: mysqldump\n  mariabackup: {extraArgs: [--parallel=2]}\n"),
       "spec.mariabackup", "backupMethod: mariabackup"},
  });
}

// --- podSelector.matchLabels -----------------------------------------------------------------

std::string target_of(const std::string& selector) {
  const json b = valid(backup("  podSelector:\n" + selector));
  return b.is_object() ? b["spec"]["target"].get<std::string>() : "<refused>";
}

TEST(TutorialPodSelector, LabelsOfTheOperatorsPodsChooseTheTarget) {
  EXPECT_EQ(target_of("    matchLabels:\n      statefulset.kubernetes.io/pod-name: galera-2\n"),
            "galera-2");
  EXPECT_EQ(target_of("    matchLabels: {apps.kubernetes.io/pod-index: '1'}\n"), "galera-1");
  EXPECT_EQ(target_of("    matchLabels: {k8s.mariadb.com/role: replica}\n"), "Replica");
  EXPECT_EQ(target_of("    matchLabels:\n      app.kubernetes.io/name: mariadb\n"
                      "      app.kubernetes.io/instance: galera\n"
                      "      k8s.mariadb.com/role: replica\n"),
            "Replica");
  EXPECT_EQ(target_of("    matchLabels: {app.kubernetes.io/instance: galera}\n"), "PreferReplica");
  EXPECT_EQ(target_of("    matchLabels:\n      statefulset.kubernetes.io/pod-name: galera-0\n"
                      "      apps.kubernetes.io/pod-index: '0'\n"),
            "galera-0");
  const json b = valid(
      backup("  podSelector: {matchLabels: {statefulset.kubernetes.io/pod-name: galera-2}}\n"));
  ASSERT_TRUE(b.is_object());
  EXPECT_FALSE(b["spec"].contains("podSelector"));
  const BackupTargetSpec target = backup_spec_from(b).target;
  EXPECT_EQ(target.mode, BackupTargetSpec::Mode::kPod);
  EXPECT_EQ(target.pod, "galera-2");
}

TEST(TutorialPodSelector, LabelsMdbopCannotHonourAreRefusedSayingWhatWorks) {
  const std::string p = "spec.podSelector.matchLabels.";
  expect_refusals({
      {backup("  podSelector: {matchLabels: {k8s.mariadb.com/role: primary}}\n"),
       p + "k8s.mariadb.com/role", "statefulset.kubernetes.io/pod-name: galera-0"},
      {backup("  podSelector: {matchLabels: {k8s.mariadb.com/role: arbitrator}}\n"),
       p + "k8s.mariadb.com/role", "must be replica"},
      {backup("  podSelector: {matchLabels: {topology.kubernetes.io/zone: eu-1a}}\n"),
       p + "topology.kubernetes.io/zone", "remove this label, or use spec.target"},
      {backup("  podSelector: {matchLabels: {statefulset.kubernetes.io/pod-name: other-1}}\n"),
       p + "statefulset.kubernetes.io/pod-name", "not a pod of MariaDB galera"},
      {backup("  podSelector: {matchLabels: {app.kubernetes.io/instance: other}}\n"),
       p + "app.kubernetes.io/instance", "MariaDB galera, not \"other\""},
      {backup("  podSelector:\n    matchLabels:\n"
              "      statefulset.kubernetes.io/pod-name: galera-1\n"
              "      apps.kubernetes.io/pod-index: '2'\n"),
       p + "statefulset.kubernetes.io/pod-name", "keep one of the two labels"},
      {backup("  podSelector:\n    matchLabels:\n"
              "      statefulset.kubernetes.io/pod-name: galera-1\n"
              "      k8s.mariadb.com/role: replica\n"),
       p + "k8s.mariadb.com/role", "names one pod"},
      {backup("  podSelector: {}\n"), "spec.podSelector.matchLabels", "must name a pod"},
      {backup("  podSelector: {matchExpressions: []}\n"), "spec.podSelector.matchExpressions",
       "matchLabels only"},
      {backup("  podSelector: [galera-1]\n"), "spec.podSelector", "string or an object"},
  });
}

// --- storage.s3 without endpoint: AWS ---------------------------------------------------------

TEST(TutorialS3, NoEndpointMeansAwsS3InTheRegionOverTls) {
  const json b = valid(in_s3("      region: eu-west-1\n"));
  ASSERT_TRUE(b.is_object());
  const S3StorageSpec s3 = *backup_spec_from(b).storage.s3;
  EXPECT_EQ(s3.endpoint, "s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(s3.region, "eu-west-1");
  EXPECT_TRUE(s3.tls_enabled);
  // A restore's s3 source reads the same way.
  const json r = valid(restore("  s3: {bucket: b, region: us-east-2}\n"));
  ASSERT_TRUE(r.is_object());
  EXPECT_EQ(restore_spec_from(r).source.storage->s3->endpoint, "s3.us-east-2.amazonaws.com");
}

TEST(TutorialS3, NoEndpointNeedsARegion) {
  expect_refusals({
      {in_s3(""), "spec.storage.s3.region", "required without endpoint"},
      {in_s3("      region: EU West\n"), "spec.storage.s3.region", "not an AWS region name"},
      {in_s3("      region: eu-west-1\n      tls: {enabled: false}\n"),
       "spec.storage.s3.tls.enabled", "HTTPS only"},
  });
}

// --- serverSideEncryption --------------------------------------------------------------------

TEST(TutorialS3, ServerSideEncryptionInBothForms) {
  const auto sse = [](const std::string& lines) {
    const json b = valid(in_s3("      endpoint: minio:9000\n" + lines));
    const S3StorageSpec s3 = b.is_object() ? *backup_spec_from(b).storage.s3 : S3StorageSpec{};
    return s3.server_side_encryption + "|" + s3.kms_key_id;
  };
  EXPECT_EQ(sse("      serverSideEncryption: AES256\n"), "AES256|");
  EXPECT_EQ(sse("      serverSideEncryption: aws:kms\n"), "aws:kms|");
  EXPECT_EQ(sse("      serverSideEncryption: aws:kms\n      kmsKeyId: mdbop-test-key\n"),
            "aws:kms|mdbop-test-key");
  EXPECT_EQ(sse("      serverSideEncryption: {sseAlgorithm: aws:kms, kmsKeyID: "
                "'arn:aws:kms:eu-west-1:1:key/k'}\n"),
            "aws:kms|arn:aws:kms:eu-west-1:1:key/k");
  EXPECT_EQ(sse("      serverSideEncryption: {sseAlgorithm: AES256}\n"), "AES256|");
  EXPECT_EQ(sse(""), "|");
}

TEST(TutorialS3, ServerSideEncryptionRefusals) {
  const std::string p = "spec.storage.s3.";
  const auto s3 = [](const std::string& lines) {
    return in_s3("      endpoint: m:9000\n" + lines);
  };
  expect_refusals({
      {s3("      serverSideEncryption: aws:kms:dsse\n"), p + "serverSideEncryption",
       "must be AES256"},
      {s3("      serverSideEncryption: AES256\n      kmsKeyId: k\n"), p + "kmsKeyId",
       "aws:kms only"},
      {s3("      kmsKeyId: k\n"), p + "kmsKeyId", "serverSideEncryption: aws:kms"},
      {s3("      serverSideEncryption: aws:kms\n      kmsKeyId: \"a\\r\\nx-evil: 1\"\n"),
       p + "kmsKeyId", "visible ASCII"},
      {s3("      serverSideEncryption: {sseAlgorithm: aws:kms}\n      kmsKeyId: k\n"),
       p + "kmsKeyId", "once"},
      {s3("      serverSideEncryption: {sseAlgorithm: none}\n"),
       p + "serverSideEncryption.sseAlgorithm", "must be AES256"},
  });
}

TEST(TutorialS3, HeaderValuesCannotCarryAnotherHeader) {
  const std::string p = "spec.storage.s3.";
  const auto s3 = [](const std::string& lines) {
    return in_s3("      endpoint: m:9000\n" + lines);
  };
  expect_refusals({
      {s3("      storageClass: \"STANDARD\\r\\nx-amz-acl: public-read\"\n"), p + "storageClass",
       "storage class name"},
      {s3("      region: \"us-east-1\\r\\nx-evil: 1\"\n"), p + "region", "region name"},
      // S3's classes are written with '_': a '-' would be refused only at the first upload.
      {s3("      storageClass: STANDARD-IA\n"), p + "storageClass", "STANDARD_IA"},
  });
}

// --- --compress in a physical Backup ---------------------------------------------------------

TEST(TutorialCompress, CompressOptionsBecomeMdbopsCompression) {
  const json b =
      valid(backup("  backupMethod: mariabackup\n  args: [--compress]\n"
                   "  mariabackup: {extraArgs: [--parallel=4, --compress-threads=4]}\n"));
  ASSERT_TRUE(b.is_object());
  const BackupSpec s = backup_spec_from(b);
  EXPECT_EQ(s.extra_args, std::vector<std::string>{"--parallel=4"});
  EXPECT_EQ(s.translated_options, (std::vector<std::string>{"--compress", "--compress-threads=4"}));
  EXPECT_EQ(s.compression, "zstd");
  EXPECT_EQ(s.compression_threads, 4);
  // The stored object keeps what was written; the translation is made where it is read.
  EXPECT_EQ(b["spec"]["args"], json::array({"--compress"}));
}

TEST(TutorialCompress, AStoredThreadCountThatIsNotOneKeepsTheDefaultInsteadOfThrowing) {
  // apply refuses it; a stored object edited by hand must still not end the operator.
  const CompressTranslation t =
      translate_compress_options({"--compress", "--compress-threads=many", "--parallel=2"});
  EXPECT_EQ(t.args, std::vector<std::string>{"--parallel=2"});
  EXPECT_EQ(t.dropped.size(), 2u);
  EXPECT_EQ(t.threads, CompressTranslation{}.threads);
}

TEST(TutorialCompress, LogicalBackupsKeepMariadbDumpsCompress) {
  // mariadb-dump's --compress compresses the client protocol, not the output.
  const BackupSpec s = backup_spec_from(valid(backup("  mysqldump: {extraArgs: [--compress]}\n")));
  EXPECT_EQ(s.extra_args, std::vector<std::string>{"--compress"});
  EXPECT_TRUE(s.translated_options.empty());
}

TEST(TutorialCompress, UntranslatableOptionsAreRefused) {
  expect_refusals({
      {backup("  backupType: physical\n  mariabackup: {extraArgs: [--compress-threads=0]}\n"),
       "spec.mariabackup.extraArgs[0]", "from 1 to 64"},
      {backup("  backupType: physical\n  args: [--compress-threads, '4']\n"), "spec.args[0]",
       "--compress-threads=N"},
      {backup("  backupType: physical\n  compression: none\n  args: [--compress]\n"),
       "spec.args[0]", "spec.compression is none"},
  });
  EXPECT_FALSE(compress_option_problem("--compress"));
  EXPECT_FALSE(compress_option_problem("--compress=quicklz"));
  EXPECT_TRUE(is_compress_option("--compress-chunk-size=65536"));
  EXPECT_FALSE(is_compress_option("--compressed"));
}

// The tutorial's daily incremental: --incremental, and the weekly full backups' directory.
TEST(TutorialIncremental, IncrementalAndTheFullBackupsPathAreTakenAsWritten) {
  // --incremental alone: a chain in the Backup's own storage.
  const BackupSpec own =
      backup_spec_from(valid(backup("  backupMethod: mariabackup\n  args: [--incremental]\n")));
  EXPECT_TRUE(own.incremental);
  EXPECT_TRUE(own.extra_args.empty()) << "mdbop passes --incremental-lsn itself";
  EXPECT_FALSE(own.incremental_base_storage);

  // The weekly full Backup's directory as the base path.
  const BackupSpec daily =
      backup_spec_from(valid(backup("  backupType: physical\n"
                                    "  mariabackup:\n    extraArgs: [--parallel=2, --incremental]\n"
                                    "    incrementalBasePath: /var/full-backups\n")));
  EXPECT_TRUE(daily.incremental);
  EXPECT_EQ(daily.extra_args, std::vector<std::string>{"--parallel=2"});
  ASSERT_TRUE(daily.incremental_base_storage);
  EXPECT_EQ(daily.incremental_base_storage->directory, "/var/full-backups");
  EXPECT_EQ(daily.storage.directory, "/var/backups");

  // In S3, a prefix of the same bucket; the base path alone means incremental.
  const BackupSpec in_bucket =
      backup_spec_from(valid(in_s3("      endpoint: minio:9000\n      prefix: daily\n"
                                   "  backupMethod: mariabackup\n"
                                   "  mariabackup: {incrementalBasePath: /weekly/}\n")));
  EXPECT_TRUE(in_bucket.incremental);
  ASSERT_TRUE(in_bucket.incremental_base_storage && in_bucket.incremental_base_storage->s3);
  EXPECT_EQ(in_bucket.incremental_base_storage->s3->prefix, "weekly");
  EXPECT_EQ(in_bucket.incremental_base_storage->s3->bucket, "b");
}

TEST(TutorialIncremental, HandMadeBasesAndUnclearPathsAreRefusedSayingWhatToWrite) {
  expect_refusals({
      {backup("  backupType: physical\n"
              "  mariabackup: {extraArgs: [--parallel=2, --incremental-basedir=/backups/full]}\n"),
       "spec.mariabackup.extraArgs[1]", "mdbop chooses an incremental backup's base itself"},
      {backup("  backupMethod: mariabackup\n  args: [--incremental-lsn=4242]\n"), "spec.args[0]",
       "write --incremental"},
      {backup("  backupMethod: mariabackup\n  args: [--loose-incremental_lsn=4242]\n"),
       "spec.args[0]", "mdbop chooses an incremental backup's base itself"},
      {backup("  backupMethod: mariabackup\n  mariabackup: {incrementalBasePath: /var/backups/}\n"),
       "spec.mariabackup.incrementalBasePath", "must be another place than this Backup's storage"},
      {backup("  backupMethod: mariabackup\n  mariabackup: {incrementalBasePath: /var}\n"),
       "spec.mariabackup.incrementalBasePath", "neither inside it nor holding it"},
      {backup("  backupMethod: mariabackup\n  mariabackup: {incrementalBasePath: full}\n"),
       "spec.mariabackup.incrementalBasePath", "must be an absolute path"},
      {backup("  backupMethod: mariabackup\n"
              "  mariabackup: {incrementalBasePath: /var/backups/../etc}\n"),
       "spec.mariabackup.incrementalBasePath", "without \"..\""},
      {backup("  backupMethod: mariabackup\n  incrementalBackup: {schedule: {cron: \"@daily\"}}\n"),
       "spec.incrementalBackup", "mariabackup.incrementalBasePath naming the first one's"},
  });
}

// --- a Restore's mariabackup.extraArgs and resources -------------------------------------------

TEST(TutorialRestore, PrepareOptionsAndResourcesAreAccepted) {
  const json r = valid(restore(R"(  backupRef: {name: nightly, kind: PhysicalBackup}
  mariabackup:
    extraArgs: [--use-memory=8G, --innodb-read-io-threads=8, --innodb-write-io-threads=8]
  resources:
    requests: {memory: 10Gi}
    limits: {memory: 12Gi}
)"));
  ASSERT_TRUE(r.is_object());
  EXPECT_EQ(restore_spec_from(r).prepare_args,
            (std::vector<std::string>{"--use-memory=8G", "--innodb-read-io-threads=8",
                                      "--innodb-write-io-threads=8"}));
  // resources cannot be honoured here: kept, and reported once as FieldIgnored.
  EXPECT_EQ(fields_unsupported_locally(r), std::vector<std::string>{"spec.resources"});
}

TEST(TutorialRestore, PrepareOptionsOutsideTheAllowlistAreRefused) {
  const std::string at = "spec.mariabackup.extraArgs";
  const auto with = [](const std::string& args) {
    return restore("  backupRef: {name: nightly}\n  mariabackup: {extraArgs: " + args + "}\n");
  };
  expect_refusals({
      {with("[--use-memory=lots]"), at + "[0]", "a size such as 8G"},
      {with("[--use-memory=8G, --apply-log-only]"), at + "[1]", "--use-memory=SIZE"},
      {with("[--target-dir=/etc]"), at + "[0]", "chooses the directories"},
      {with("['--use-memory=8G --export']"), at + "[0]", "a size such as 8G"},
      {with("[--use-memory, 8G]"), at + "[0]", "--use-memory=VALUE, in one argument"},
      {with("[--innodb-read-io-threads=999]"), at + "[0]", "from 1 to 64"},
  });
  for (const char* ok : {"--use-memory=8G", "--use-memory=512m", "--use-memory=1073741824"}) {
    EXPECT_FALSE(prepare_option_problem(ok)) << ok;
  }
}

// --- backupRef to another namespace ------------------------------------------------------------

TEST(TutorialRestore, BackupRefStaysInTheRestoresNamespace) {
  EXPECT_TRUE(
      valid(restore("  backupRef: {name: nightly, namespace: prod}\n", "prod")).is_object());
  const std::string message =
      issue_at(issues(restore("  backupRef: {name: nightly, namespace: prod}\n", "staging")),
               "spec.backupRef.namespace");
  EXPECT_TRUE(HasText(message, "Secrets of namespace \"prod\""));
  EXPECT_TRUE(HasText(message, "give the Backup's storage as s3"));
  EXPECT_TRUE(HasText(message, "copies of its Secrets in namespace \"staging\""));
  // A MariaDB's bootstrapFrom follows the same rule.
  EXPECT_TRUE(
      HasText(issue_at(issues(object("MariaDB",
                                     "  replicas: 3\n  galera: {enabled: true}\n  bootstrapFrom:\n"
                                     "    backupRef: {name: nightly, namespace: prod}\n",
                                     "staging")),
                       "spec.bootstrapFrom.backupRef.namespace"),
              "namespace \"staging\" only"));
}

}  // namespace
}  // namespace mdbop
