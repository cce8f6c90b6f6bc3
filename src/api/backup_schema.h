// What Backup, PhysicalBackup, Restore and a MariaDB's spec.bootstrapFrom share: the MariaDB
// they refer to, where backups are kept (S3, a volume), client-side encryption and the source
// a restore reads from. Schema nodes for schema::check, the checks that need context, and the
// rewriting of aliases into the operator's names.
#pragma once

#include <string>
#include <vector>

#include "api/manifest.h"
#include "api/schema.h"

namespace mdbop {

// --- the MariaDB a backup or restore works on -------------------------------------------------

// {name, namespace, kind, waitForIt}: the schema of spec.mariaDbRef and its aliases.
schema::Node mariadb_ref_schema();

// Exactly one of spec.<names...> (names[0] is the operator's "mariaDbRef", the others aliases)
// must be given; it must name a MariaDB in the object's own namespace. `purpose` completes
// "the MariaDB to ...", e.g. "back up".
void check_mariadb_ref(const json& object, const std::vector<std::string>& names,
                       const std::string& purpose, std::vector<ValidationIssue>& issues);

// Moves whichever alias was given to spec.mariaDbRef. REQUIRES: check_mariadb_ref passed.
void canonicalize_mariadb_ref(json& spec, const std::vector<std::string>& names);

// --- where artifacts are kept ---------------------------------------------------------------

schema::Node s3_schema();
// A Kubernetes volume source: hostPath and persistentVolumeClaim map to a local directory;
// emptyDir, nfs and csi are refused with the reason.
schema::Node storage_volume_schema();
// A PersistentVolumeClaim spec: {accessModes, selector, resources, storageClassName}.
schema::Node volume_claim_spec_schema();
// stagingStorage: accepted as the operator writes it; the local runtime needs no staging area.
schema::Node staging_storage_schema();
// {keySecretKeyRef: {name, key}}: mdbop's client-side encryption of artifacts.
schema::Node encryption_schema();
// The members of a Backup's spec.storage (and a PointInTimeRecovery's): s3,
// persistentVolumeClaim and volume.
std::vector<schema::Field> storage_fields();

// Whether a volume is written to (a backup's storage) or only read (a restore's source).
enum class VolumeUse { kWrite, kRead };

// Checks that need more than the schema: required fields, credentials that come in pairs, TLS
// settings that contradict each other, paths and claim names that can become directories.
void check_s3(const json& s3, const std::string& path, std::vector<ValidationIssue>& issues);
void check_storage_volume(const json& volume, const std::string& path, VolumeUse use,
                          std::vector<ValidationIssue>& issues);
void check_encryption(const json& parent, const std::string& path,
                      std::vector<ValidationIssue>& issues);

// spec.storage of `spec` (a Backup's, a PhysicalBackup's or a PointInTimeRecovery's): exactly
// one of storage_fields() (or of `refused`, see check_exactly_one), then that one, for writing.
// `what` says what is kept there ("the backups").
void check_storage(const json& spec, const std::vector<std::string>& refused,
                   const std::string& what, std::vector<ValidationIssue>& issues);

// Exactly one of the members `kinds` and `refused` (members the schema has already refused,
// counted so that they are not reported twice) must be present in `parent`, found at `path`.
// `what` says what the member gives ("where to keep the backups"). The issue suggests only
// `kinds`.
void check_exactly_one(const json& parent, const std::vector<std::string>& kinds,
                       const std::vector<std::string>& refused, const std::string& path,
                       const std::string& what, std::vector<ValidationIssue>& issues);

// --- the operator's Job and Pod settings ------------------------------------------------------

// args, resources, securityContext, podMetadata, imagePullSecrets, podSecurityContext,
// serviceAccountName, tolerations, priorityClassName, restartPolicy, backoffLimit,
// inheritMetadata and logLevel; plus affinity and nodeSelector when `with_affinity` (the
// operator's PhysicalBackup lacks those two).
std::vector<schema::Field> job_fields(bool with_affinity);

// Each of spec.<names> that is an integer must not be negative.
void check_not_negative(const json& spec, const std::vector<std::string>& names,
                        std::vector<ValidationIssue>& issues);

// --- the source of a restore ------------------------------------------------------------------

// The fields a Restore's spec and a MariaDB's spec.bootstrapFrom have in common: backupRef,
// s3, volume, pointInTimeRecoveryRef, targetRecoveryTime, targetRecoveryGtid, stagingStorage,
// encryption and artifact.
std::vector<schema::Field> restore_source_fields();

// Checks the source at `path` ("spec" for a Restore, "spec.bootstrapFrom"): exactly one of
// backupRef, s3, volume and pointInTimeRecoveryRef (or of `refused`, see check_exactly_one),
// then that one, the target (targetRecoveryGtid only with pointInTimeRecoveryRef, and not with
// targetRecoveryTime), the encryption key and the artifact (neither with
// pointInTimeRecoveryRef). `own_namespace` is the restoring object's: a backupRef may name only
// that one (the Backup's Secrets belong to its namespace).
void check_restore_source(const json& source, const std::string& path,
                          const std::string& own_namespace, const std::vector<std::string>& refused,
                          std::vector<ValidationIssue>& issues);

// A MariaDB's spec.bootstrapFrom: the restore source fields, backupContentType, and the
// operator's fields mdbop refuses (volumeSnapshotRef, azureBlob) or only keeps (stagingStorage,
// restoreJob, logLevel).
schema::Node bootstrap_from_schema();
// Checks spec.bootstrapFrom of `mariadb`, when present (backupContentType Physical only with
// pointInTimeRecoveryRef).
void check_bootstrap_from(const json& mariadb, std::vector<ValidationIssue>& issues);
// Writes the defaults of a checked bootstrapFrom: backupContentType Physical with
// pointInTimeRecoveryRef, else implied by backupRef.kind, and backupRef.kind implied by
// backupContentType.
void default_bootstrap_from(json& bootstrap_from);

}  // namespace mdbop
