// Incremental physical backups. An incremental artifact holds the pages a node's InnoDB
// changed after its base's to_lsn; a restore prepares the base's chain, full first, then
// applies each incremental in order. Log sequence numbers belong to one node's data lineage
// (agent/node_agent.h data_lineage): an incremental continues a base only when taken on the
// same node, on the same lineage, from the base's to_lsn; the links are checked when taking
// and again when restoring.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "backup/artifact_manifest.h"
#include "storage/backup_storage.h"

namespace mdbop {

// A chain holds at most this many incremental backups after its full one: the next run is a
// full backup, so that restores, checks and retention stay bounded however long a Backup runs
// without a new full one.
inline constexpr std::size_t kMaxIncrementalsInChain = 30;
// Chains read back longer than this are refused (a loop of hostile manifests must end).
inline constexpr std::size_t kMaxChainLength = 1000;

// The artifact the next incremental backup continues: the newest of `candidates` (the
// complete artifacts its chain may continue) that is a physical backup of `mariadb` with a
// recorded to_lsn and lineage. None: the backup is a full one, `why_full` saying why (empty
// when there is no such artifact at all).
struct IncrementalPlan {
  std::optional<ArtifactManifest> base;
  std::string why_full;
};

// `pod` and `lineage`: the node the backup is taken from and its data's lineage now. The
// newest candidate ends the chain (a full backup begins a new one) when it is from another
// node or lineage, failed its check (`failed_verification`), its own chain among `candidates`
// is broken, or it holds kMaxIncrementalsInChain incrementals already: an older base would
// make a larger incremental of a chain no longer the newest.
IncrementalPlan plan_incremental(const std::vector<ArtifactManifest>& candidates,
                                 const std::string& mariadb, const std::string& pod,
                                 const std::string& lineage,
                                 const std::set<std::string>& failed_verification);

// The newest artifact plan_incremental would consider, for choosing the node to take the
// backup from; nullopt when none.
std::optional<ArtifactManifest> newest_chain_candidate(
    const std::vector<ArtifactManifest>& candidates, const std::string& mariadb);

// Why `incremental` cannot be applied on `base`; nullopt when it can.
std::optional<std::string> chain_link_problem(const ArtifactManifest& base,
                                              const ArtifactManifest& incremental);

// An artifact of a chain and the storage it is read from.
struct ChainLink {
  ArtifactManifest manifest;
  BackupStorage* storage = nullptr;
};

// The chain a restore of `artifact` (found in `storage`) prepares, full first: the artifact
// alone when it is full. Bases are looked up in `storage`, then in `base_storage` (an
// incremental Backup's mariabackup.incrementalBasePath) when given. Fails naming the base
// missing (kNotFound) or the link that does not hold (kCorrupt); a storage that cannot be
// listed is kUnavailable.
Result<std::vector<ChainLink>> read_chain(const ArtifactManifest& artifact, BackupStorage& storage,
                                          BackupStorage* base_storage);

// `beyond` (what a retention policy would remove from `artifacts`) without `needed` (artifacts
// in use, or the bases other Backups' incrementals name) and without the bases, through their
// chains, of every artifact kept.
std::vector<std::string> spare_chain_bases(const std::vector<ArtifactManifest>& artifacts,
                                           const std::vector<std::string>& beyond,
                                           const std::set<std::string>& needed);

}  // namespace mdbop
