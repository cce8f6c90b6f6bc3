// The node agent's receiving area for a check (ReceivedBackup::Purpose::kVerify) as the
// PrepareArea of backup/verify_artifact.h, so that `mdbop backup verify` and a Backup's
// verifyAfterBackup unpack and prepare an artifact exactly as a restore does, elsewhere.
#pragma once

#include "agent/node_agent.h"
#include "backup/prepare_area.h"

namespace mdbop {

class VerifyArea : public PrepareArea {
 public:
  // `name` must be unique among the checks that may run at the same time in the namespace of
  // `node`: a new check under a name ends whatever an earlier one left there. The check runs in
  // the place of `node` (on Kubernetes its pod, with that server's own tools).
  VerifyArea(NodeAgent& agent, NodeId node, std::string name)
      : agent_(agent),
        where_{node.namespace_, std::move(name), ReceivedBackup::Purpose::kVerify,
               std::move(node)} {}

  Result<std::unique_ptr<ByteSink>> unpack() override { return agent_.receive_backup(where_); }
  Result<void> prepare(const std::function<bool()>& should_stop) override {
    auto prepared = agent_.prepare_received(where_, {}, should_stop);  // a check needs no tuning
    if (!prepared) return tl::unexpected(prepared.error());
    return {};
  }
  Result<std::unique_ptr<ByteSink>> unpack_incremental() override {
    return agent_.receive_incremental(where_);
  }
  Result<void> apply_incremental(const std::function<bool()>& should_stop) override {
    auto applied = agent_.apply_received_incremental(where_, {}, should_stop);
    if (!applied) return tl::unexpected(applied.error());
    return {};
  }
  void discard() override { agent_.discard_received(where_); }

 private:
  NodeAgent& agent_;
  ReceivedBackup where_;
};

}  // namespace mdbop
