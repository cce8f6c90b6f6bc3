#include "backup/incremental_chain.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "backup/artifact_catalog.h"

namespace mdbop {

std::optional<ArtifactManifest> newest_chain_candidate(
    const std::vector<ArtifactManifest>& candidates, const std::string& mariadb) {
  const ArtifactManifest* newest = nullptr;
  for (const ArtifactManifest& a : candidates) {
    if (a.method != "physical" || a.mariadb != mariadb || a.to_lsn == 0 || a.lineage.empty()) {
      continue;
    }
    if (newest == nullptr || std::tie(a.finished, a.id) > std::tie(newest->finished, newest->id)) {
      newest = &a;
    }
  }
  if (newest == nullptr) return std::nullopt;
  return *newest;
}

IncrementalPlan plan_incremental(const std::vector<ArtifactManifest>& candidates,
                                 const std::string& mariadb, const std::string& pod,
                                 const std::string& lineage,
                                 const std::set<std::string>& failed_verification) {
  auto newest = newest_chain_candidate(candidates, mariadb);
  if (!newest) return {};
  auto full = [](const std::string& why) { return IncrementalPlan{std::nullopt, why}; };
  if (newest->pod != pod) {
    return full("the newest backup " + newest->id + " was taken on " + newest->pod +
                ", this one is taken on " + pod +
                " (log sequence numbers belong to one node's data)");
  }
  if (newest->lineage != lineage) {
    return full("the data of " + pod + " was replaced (a state transfer or a restore) since " +
                "the newest backup " + newest->id + " was taken");
  }
  if (failed_verification.count(newest->id)) {
    return full("the newest backup " + newest->id + " failed its check");
  }
  // Its chain, as a restore would read it, among the candidates.
  std::map<std::string, const ArtifactManifest*> by_id;
  for (const ArtifactManifest& a : candidates) by_id[a.id] = &a;
  std::size_t incrementals = 0;
  for (const ArtifactManifest* link = &*newest; !link->incremental_base.empty(); ++incrementals) {
    auto base = by_id.find(link->incremental_base);
    if (base == by_id.end()) {
      return full("the chain of the newest backup " + newest->id + " is broken: its base " +
                  link->incremental_base + " is gone");
    }
    if (auto problem = chain_link_problem(*base->second, *link)) {
      return full("the chain of the newest backup " + newest->id + " is broken: " + *problem);
    }
    if (incrementals >= kMaxChainLength) return full("the chain of " + newest->id + " loops");
    link = base->second;
  }
  if (incrementals >= kMaxIncrementalsInChain) {
    return full("the chain of the newest backup " + newest->id + " holds " +
                std::to_string(incrementals) + " incremental backups, the most one may");
  }
  return {*newest, ""};
}

std::optional<std::string> chain_link_problem(const ArtifactManifest& base,
                                              const ArtifactManifest& incremental) {
  const std::string link = incremental.id + " on " + base.id + ": ";
  if (base.method != "physical") return link + "the base is no physical backup";
  if (base.mariadb != incremental.mariadb) {
    return link + "the base is a backup of " + base.mariadb + ", not of " + incremental.mariadb;
  }
  if (base.pod != incremental.pod) {
    return link + "taken on " + base.pod + " and " + incremental.pod + ", other nodes' data";
  }
  if (base.lineage.empty() || base.lineage != incremental.lineage) {
    return link + "the data of " + incremental.pod + " was replaced between the two";
  }
  if (base.to_lsn != incremental.from_lsn) {
    return link + "the incremental begins at log sequence number " +
           std::to_string(incremental.from_lsn) + ", the base ends at " +
           std::to_string(base.to_lsn);
  }
  if (base.finished > incremental.started) return link + "the base finished after it began";
  return std::nullopt;
}

Result<std::vector<ChainLink>> read_chain(const ArtifactManifest& artifact, BackupStorage& storage,
                                          BackupStorage* base_storage) {
  std::vector<ChainLink> chain{{artifact, &storage}};
  if (artifact.incremental_base.empty()) return chain;
  // Every artifact of both storages, whichever Backup made it: a base may be another's.
  std::map<std::string, ChainLink> known;
  for (BackupStorage* where : {base_storage, &storage}) {
    if (where == nullptr) continue;
    // A listing that fails says nothing about the chain: kUnavailable, never kNotFound.
    auto catalog = read_catalog(*where, "");
    if (!catalog) {
      return fail(ErrorCode::kUnavailable,
                  "listing " + where->location("") + ": " + catalog.error().message);
    }
    for (ArtifactManifest& a : catalog->artifacts) {
      const std::string id = a.id;
      known[id] = {std::move(a), where};
    }
  }
  while (!chain.front().manifest.incremental_base.empty()) {
    const ArtifactManifest& incremental = chain.front().manifest;
    if (chain.size() >= kMaxChainLength) {
      return fail(ErrorCode::kCorrupt, "the chain of " + artifact.id + " is longer than " +
                                           std::to_string(kMaxChainLength) + " artifacts");
    }
    auto base = known.find(incremental.incremental_base);
    if (base == known.end()) {
      return fail(ErrorCode::kNotFound,
                  "the base " + incremental.incremental_base + " of the incremental backup " +
                      incremental.id + " is in neither " + storage.location("") +
                      (base_storage ? " nor " + base_storage->location("") : std::string()) +
                      " (removed, or in a storage this restore does not read)");
    }
    if (auto problem = chain_link_problem(base->second.manifest, incremental)) {
      return fail(ErrorCode::kCorrupt, "the chain of " + artifact.id + " is broken: " + *problem);
    }
    chain.insert(chain.begin(), base->second);
  }
  return chain;
}

std::vector<std::string> spare_chain_bases(const std::vector<ArtifactManifest>& artifacts,
                                           const std::vector<std::string>& beyond,
                                           const std::set<std::string>& needed) {
  std::map<std::string, std::string> base_of;
  for (const ArtifactManifest& a : artifacts) base_of[a.id] = a.incremental_base;
  std::set<std::string> doomed(beyond.begin(), beyond.end());
  for (const std::string& id : needed) doomed.erase(id);
  std::vector<std::string> keep(needed.begin(), needed.end());
  for (const ArtifactManifest& a : artifacts) {
    if (!doomed.count(a.id)) keep.push_back(a.id);
  }
  // `seen` ends a loop of bases.
  std::set<std::string> seen;
  while (!keep.empty()) {
    const std::string id = keep.back();
    keep.pop_back();
    if (!seen.insert(id).second) continue;
    auto base = base_of.find(id);
    if (base == base_of.end() || base->second.empty()) continue;
    doomed.erase(base->second);
    keep.push_back(base->second);
  }
  std::vector<std::string> spared;
  for (const std::string& id : beyond) {
    if (doomed.count(id)) spared.push_back(id);
  }
  return spared;
}

}  // namespace mdbop
