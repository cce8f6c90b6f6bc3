#include "galera/recovery_planner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <tuple>

namespace mdbop {
namespace {

constexpr const char* kUuid = "6b1e4f3c-1111-11ef-9a6b-0b2f3c4d5e6f";
constexpr const char* kOther = "7c2f5a4d-2222-11ef-8b7c-1c3d4e5f6a7b";
constexpr const char* kThird = "8d3a6b5e-3333-11ef-8b7c-2d4e5f6a7b8c";

// A node cleanly stopped: grastate.dat holds its seqno.
NodeObservation stopped(int index, int64_t seqno, bool safe = false, const char* uuid = kUuid) {
  NodeObservation node;
  node.index = index;
  node.pod = "mdb-galera-" + std::to_string(index);
  node.data_present = true;
  node.grastate_read = true;
  node.grastate.uuid = uuid;
  node.grastate.seqno = seqno;
  node.grastate.safe_to_bootstrap = safe;
  return node;
}

// A node that crashed: grastate.dat says -1 and nothing was recovered yet.
NodeObservation crashed(int index, const char* uuid = kUuid) {
  return stopped(index, -1, false, uuid);
}

NodeObservation recovered(int index, int64_t seqno, const char* uuid = kUuid) {
  NodeObservation node = crashed(index, uuid);
  node.recovered = GaleraPosition{uuid, seqno};
  return node;
}

NodeObservation aborted_sst(NodeObservation node) {
  node.sst_in_progress = true;
  return node;
}

NodeObservation empty_node(int index) {
  NodeObservation node = crashed(index, kZeroUuid);
  node.data_present = false;
  node.grastate_read = false;
  return node;
}

RecoveryPolicy policy(int min_cluster_size = 2, std::string force = "") {
  RecoveryPolicy p;
  p.min_cluster_size = min_cluster_size;
  p.force_bootstrap_pod = std::move(force);
  return p;
}

using WriteTuple = std::tuple<int, std::string, int64_t, bool>;

std::vector<WriteTuple> writes_of(const RecoveryPlan& plan) {
  std::vector<WriteTuple> out;
  for (const PositionWrite& w : plan.writes) {
    out.emplace_back(w.index, w.grastate.uuid, w.grastate.seqno, w.grastate.safe_to_bootstrap);
  }
  return out;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(KnownPosition, PrefersRecoveredThenGrastate) {
  EXPECT_EQ(known_position(recovered(0, 42))->seqno, 42);
  NodeObservation both = stopped(0, 10);
  both.recovered = GaleraPosition{kUuid, 12};
  EXPECT_EQ(known_position(both)->seqno, 12);
  EXPECT_EQ(known_position(stopped(0, 10))->seqno, 10);
  EXPECT_FALSE(known_position(crashed(0)));
  NodeObservation unread = stopped(0, 10);
  unread.grastate_read = false;
  EXPECT_FALSE(known_position(unread));
}

TEST(PlanRecovery, BootstrapsHighestAndWritesEveryTrustedPosition) {
  auto plan = plan_recovery({stopped(0, 10), stopped(1, 30), stopped(2, 20)}, policy());
  ASSERT_EQ(plan.action, RecoveryAction::kBootstrap) << plan.reason;
  EXPECT_EQ(plan.bootstrap_index, 1);
  EXPECT_EQ(plan.bootstrap_position.uuid, kUuid);
  EXPECT_EQ(plan.bootstrap_position.seqno, 30);
  EXPECT_EQ(writes_of(plan),
            (std::vector<WriteTuple>{
                {1, kUuid, 30, true}, {0, kUuid, 10, false}, {2, kUuid, 20, false}}));
  EXPECT_EQ(plan.reason, "bootstrapping mdb-galera-1 at seqno 30 (highest of 3 known positions)");
}

TEST(PlanRecovery, RecoveredPositionsAfterACrash) {
  auto plan = plan_recovery({recovered(0, 1230), recovered(1, 1234), recovered(2, 1229)}, policy());
  ASSERT_EQ(plan.action, RecoveryAction::kBootstrap) << plan.reason;
  EXPECT_EQ(plan.bootstrap_index, 1);
  EXPECT_EQ(writes_of(plan),
            (std::vector<WriteTuple>{
                {1, kUuid, 1234, true}, {0, kUuid, 1230, false}, {2, kUuid, 1229, false}}));
}

TEST(PlanRecovery, AbortedSstNeverBootstrapsEvenWithTheHighestSeqno) {
  auto plan = plan_recovery({aborted_sst(recovered(0, 5000)), recovered(1, 1200), stopped(2, 1234)},
                            policy());
  ASSERT_EQ(plan.action, RecoveryAction::kBootstrap) << plan.reason;
  EXPECT_EQ(plan.bootstrap_index, 2);
  EXPECT_EQ(writes_of(plan),
            (std::vector<WriteTuple>{{2, kUuid, 1234, true}, {1, kUuid, 1200, false}}));
  EXPECT_EQ(plan.reason,
            "bootstrapping mdb-galera-2 at seqno 1234 (highest of 2 known positions); "
            "mdb-galera-0 needs SST: aborted SST marker");
}

TEST(PlanRecovery, AbortedSstIsNotRecovered) {
  auto plan = plan_recovery({aborted_sst(crashed(0)), stopped(1, 7), stopped(2, 7)}, policy());
  ASSERT_EQ(plan.action, RecoveryAction::kBootstrap) << plan.reason;
  EXPECT_EQ(plan.bootstrap_index, 1);
}

TEST(PlanRecovery, ZeroUuidInGrastateIsUntrustedAndNotRecovered) {
  auto plan = plan_recovery({crashed(0, kZeroUuid), stopped(1, 10), stopped(2, 11)}, policy());
  ASSERT_EQ(plan.action, RecoveryAction::kBootstrap) << plan.reason;
  EXPECT_EQ(plan.bootstrap_index, 2);
  EXPECT_EQ(plan.writes.size(), 2u);
  EXPECT_TRUE(contains(plan.reason, "mdb-galera-0 needs SST: zero UUID in grastate.dat"))
      << plan.reason;
}

TEST(PlanRecovery, ZeroUuidEvenWithARecoveredPositionIsUntrusted) {
  // Galera zeroes grastate.dat when an SST starts; InnoDB may still hold the old position.
  NodeObservation half = crashed(0, kZeroUuid);
  half.recovered = GaleraPosition{kUuid, 9999};
  auto plan = plan_recovery({half, stopped(1, 10), stopped(2, 11)}, policy());
  ASSERT_EQ(plan.action, RecoveryAction::kBootstrap) << plan.reason;
  EXPECT_EQ(plan.bootstrap_index, 2);
  for (const PositionWrite& w : plan.writes) EXPECT_NE(w.index, 0);
}

TEST(PlanRecovery, ZeroUuidRecoveredIsUntrusted) {
  auto plan =
      plan_recovery({recovered(0, 9999, kZeroUuid), stopped(1, 10), stopped(2, 11)}, policy());
  ASSERT_EQ(plan.action, RecoveryAction::kBootstrap) << plan.reason;
  EXPECT_EQ(plan.bootstrap_index, 2);
  EXPECT_TRUE(contains(plan.reason, "mdb-galera-0 needs SST: zero UUID")) << plan.reason;
}

TEST(PlanRecovery, RecoveredMinusOneIsUntrustedAndNotRecoveredAgain) {
  auto plan = plan_recovery({recovered(0, -1), stopped(1, 10), stopped(2, 11)}, policy());
  ASSERT_EQ(plan.action, RecoveryAction::kBootstrap) << plan.reason;
  EXPECT_EQ(plan.bootstrap_index, 2);
  EXPECT_EQ(plan.writes.size(), 2u);
  EXPECT_TRUE(contains(plan.reason, "mdb-galera-0 needs SST: no committed position"))
      << plan.reason;
}

TEST(PlanRecovery, GrastateAndRecoveredUuidsDisagree) {
  NodeObservation odd = crashed(0, kOther);
  odd.recovered = GaleraPosition{kUuid, 9999};
  auto plan = plan_recovery({odd, stopped(1, 10), stopped(2, 11)}, policy());
  ASSERT_EQ(plan.action, RecoveryAction::kBootstrap) << plan.reason;
  EXPECT_EQ(plan.bootstrap_index, 2);
  EXPECT_TRUE(contains(plan.reason, "mdb-galera-0 needs SST: grastate.dat UUID")) << plan.reason;
}

TEST(PlanRecovery, MinorityUuidIsNeverChosen) {
  auto plan =
      plan_recovery({stopped(0, 10), stopped(1, 99999, true, kOther), stopped(2, 12)}, policy());
  ASSERT_EQ(plan.action, RecoveryAction::kBootstrap) << plan.reason;
  EXPECT_EQ(plan.bootstrap_index, 2);
  EXPECT_EQ(writes_of(plan),
            (std::vector<WriteTuple>{{2, kUuid, 12, true}, {0, kUuid, 10, false}}));
  EXPECT_TRUE(contains(plan.reason, std::string("mdb-galera-1 needs SST: UUID ") + kOther +
                                        " differs from the majority's " + kUuid))
      << plan.reason;
}

TEST(PlanRecovery, NoMajorityUuidWaitsNamingTheConflict) {
  auto plan =
      plan_recovery({stopped(0, 10), stopped(1, 20, false, kOther), empty_node(2)}, policy());
  ASSERT_EQ(plan.action, RecoveryAction::kWait);
  EXPECT_EQ(plan.bootstrap_index, -1);
  EXPECT_TRUE(plan.writes.empty());
  EXPECT_TRUE(contains(plan.reason, std::string(kUuid) + ": mdb-galera-0")) << plan.reason;
  EXPECT_TRUE(contains(plan.reason, std::string(kOther) + ": mdb-galera-1")) << plan.reason;
  EXPECT_TRUE(contains(plan.reason, "force_bootstrap_pod")) << plan.reason;
}

TEST(PlanRecovery, PluralityIsNotAMajority) {
  auto plan = plan_recovery({stopped(0, 10), stopped(1, 10), stopped(2, 20, false, kOther),
                             stopped(3, 20, false, kThird)},
                            policy());
  EXPECT_EQ(plan.action, RecoveryAction::kWait) << plan.reason;
  EXPECT_TRUE(contains(plan.reason, kThird)) << plan.reason;
}

TEST(PlanRecovery, EvenSplitWaits) {
  auto plan = plan_recovery({stopped(0, 10), stopped(1, 10), stopped(2, 20, false, kOther),
                             stopped(3, 20, false, kOther)},
                            policy());
  EXPECT_EQ(plan.action, RecoveryAction::kWait) << plan.reason;
}

struct TieCase {
  const char* name;
  std::vector<NodeObservation> nodes;
  int expected_index;
  const char* reason_part;
};

// Names the case in test listings instead of dumping its bytes.
void PrintTo(const TieCase& tie, std::ostream* out) { *out << tie.name; }

class PlanRecoveryTies : public testing::TestWithParam<TieCase> {};

TEST_P(PlanRecoveryTies, ExactlyOneDeterministicBootstrap) {
  std::vector<NodeObservation> nodes = GetParam().nodes;
  // The observation order must not matter.
  for (int round = 0; round < 2; ++round) {
    auto plan = plan_recovery(nodes, policy());
    ASSERT_EQ(plan.action, RecoveryAction::kBootstrap) << plan.reason;
    EXPECT_EQ(plan.bootstrap_index, GetParam().expected_index);
    ASSERT_FALSE(plan.writes.empty());
    EXPECT_EQ(plan.writes.front().index, GetParam().expected_index);
    EXPECT_EQ(std::count_if(plan.writes.begin(), plan.writes.end(),
                            [](const PositionWrite& w) { return w.grastate.safe_to_bootstrap; }),
              1);
    EXPECT_TRUE(contains(plan.reason, GetParam().reason_part)) << plan.reason;
    std::reverse(nodes.begin(), nodes.end());
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, PlanRecoveryTies,
    testing::Values(
        // Every node stopped cleanly at the same moment: same seqno, safe_to_bootstrap 0 all over.
        TieCase{"CleanStopSameSeqno",
                {stopped(0, 50), stopped(1, 50), stopped(2, 50)},
                0,
                "tied with mdb-galera-1, mdb-galera-2, chosen by lowest index"},
        TieCase{"SafeToBootstrapBreaksTie",
                {stopped(0, 50), stopped(1, 50), stopped(2, 50, true)},
                2,
                "chosen by safe_to_bootstrap"},
        TieCase{"LowestIndexAmongHighest",
                {stopped(0, 10, true), stopped(1, 50), stopped(2, 50)},
                1,
                "tied with mdb-galera-2, chosen by lowest index"},
        TieCase{"RecoveredTie",
                {recovered(0, 77), recovered(1, 77), recovered(2, 76)},
                0,
                "tied with mdb-galera-1"},
        TieCase{"NoTie", {stopped(0, 1), stopped(1, 3), stopped(2, 2)}, 1, "(highest of 3"}),
    [](const testing::TestParamInfo<TieCase>& info) { return info.param.name; });

TEST(PlanRecovery, SafeToBootstrapOnALowerNodeLosesToTheHighest) {
  auto plan = plan_recovery({stopped(0, 10, true), stopped(1, 15), stopped(2, 20)}, policy());
  ASSERT_EQ(plan.action, RecoveryAction::kBootstrap) << plan.reason;
  EXPECT_EQ(plan.bootstrap_index, 2);
  EXPECT_EQ(writes_of(plan),
            (std::vector<WriteTuple>{
                {2, kUuid, 20, true}, {0, kUuid, 10, false}, {1, kUuid, 15, false}}));
}

TEST(PlanRecovery, WaitsWhileFewerThanMinClusterSizePositionsAreKnown) {
  NodeObservation running = crashed(1);
  running.running = true;
  auto plan = plan_recovery({stopped(0, 10), running, aborted_sst(stopped(2, 99))}, policy(2));
  ASSERT_EQ(plan.action, RecoveryAction::kWait);
  EXPECT_EQ(plan.reason,
            "only 1 of 3 nodes have a trustworthy known position (2 needed before bootstrapping); "
            "mdb-galera-1 position unknown: running outside a Primary component; "
            "mdb-galera-2 needs SST: aborted SST marker");
}

TEST(PlanRecovery, MinorityUuidDoesNotCountTowardsMinClusterSize) {
  auto plan =
      plan_recovery({stopped(0, 10), stopped(1, 10), stopped(2, 20, false, kOther)}, policy(3));
  EXPECT_EQ(plan.action, RecoveryAction::kWait) << plan.reason;
  EXPECT_TRUE(contains(plan.reason, "only 2 of 3")) << plan.reason;
}

TEST(PlanRecovery, UnobservedReplicasCountInTheTotal) {
  auto plan = plan_recovery({stopped(0, 10)}, policy(2));
  EXPECT_EQ(plan.action, RecoveryAction::kWait);
  EXPECT_TRUE(contains(plan.reason, "only 1 of 3")) << plan.reason;
}

TEST(PlanRecovery, NoTrustworthyPositionWaits) {
  auto plan = plan_recovery({empty_node(0), aborted_sst(stopped(1, 5)), empty_node(2)}, policy(1));
  EXPECT_EQ(plan.action, RecoveryAction::kWait);
  EXPECT_TRUE(contains(plan.reason, "no node has a trustworthy position")) << plan.reason;
  EXPECT_TRUE(contains(plan.reason, "mdb-galera-0 needs SST: no data directory")) << plan.reason;
}

TEST(PlanRecovery, MinClusterSizeOneAllowsASingleNode) {
  auto plan = plan_recovery({stopped(0, 10), empty_node(1), empty_node(2)}, policy(1));
  ASSERT_EQ(plan.action, RecoveryAction::kBootstrap) << plan.reason;
  EXPECT_EQ(plan.bootstrap_index, 0);
  EXPECT_EQ(writes_of(plan), (std::vector<WriteTuple>{{0, kUuid, 10, true}}));
}

TEST(PlanRecovery, NodeInPrimaryComponentMeansNothingToDo) {
  NodeObservation primary = crashed(1);
  primary.running = true;
  primary.in_primary_component = true;
  auto plan = plan_recovery({stopped(0, 100), primary, crashed(2)}, policy());
  EXPECT_EQ(plan.action, RecoveryAction::kNothing);
  EXPECT_EQ(plan.bootstrap_index, -1);
  EXPECT_TRUE(plan.writes.empty());
  EXPECT_TRUE(plan.nodes_to_recover.empty());
  EXPECT_EQ(plan.reason,
            "mdb-galera-1 is already in a Primary component, so the other nodes rejoin it");
}

TEST(PlanRecovery, ForceNeverCreatesASecondPrimaryComponent) {
  NodeObservation primary = crashed(1);
  primary.running = true;
  primary.in_primary_component = true;
  auto plan = plan_recovery({stopped(0, 100), primary}, policy(2, "mdb-galera-0"));
  EXPECT_EQ(plan.action, RecoveryAction::kNothing);
  EXPECT_TRUE(contains(plan.reason, "force_bootstrap_pod mdb-galera-0 ignored")) << plan.reason;
}

TEST(PlanRecovery, RecoversExactlyTheStoppedNodesWithUnknownPositions) {
  NodeObservation running = crashed(1);
  running.running = true;
  NodeObservation unreadable = crashed(5);
  unreadable.grastate_read = false;
  auto plan = plan_recovery({crashed(0), running, empty_node(2), stopped(3, 5), recovered(4, 6),
                             unreadable, aborted_sst(crashed(6)), crashed(7, kZeroUuid)},
                            policy());
  ASSERT_EQ(plan.action, RecoveryAction::kRecoverPositions) << plan.reason;
  EXPECT_EQ(plan.nodes_to_recover, (std::vector<int>{0, 5}));
  EXPECT_EQ(plan.bootstrap_index, -1);
  EXPECT_TRUE(plan.writes.empty());
  EXPECT_EQ(plan.reason,
            "recovering the positions of mdb-galera-0, mdb-galera-5 with --wsrep-recover "
            "(grastate.dat has seqno -1 or is unreadable)");
}

TEST(PlanRecovery, RecoversBeforeBootstrappingEvenWithEnoughKnownPositions) {
  // The unrecovered node may hold the highest seqno.
  auto plan = plan_recovery({stopped(0, 10), stopped(1, 11), crashed(2)}, policy());
  ASSERT_EQ(plan.action, RecoveryAction::kRecoverPositions) << plan.reason;
  EXPECT_EQ(plan.nodes_to_recover, (std::vector<int>{2}));
}

TEST(PlanRecovery, RunningNodeWithAReportedPositionCanBootstrapButIsNotWritten) {
  NodeObservation running = crashed(1);
  running.running = true;
  running.recovered = GaleraPosition{kUuid, 40};
  auto plan = plan_recovery({stopped(0, 30), running, stopped(2, 35)}, policy());
  ASSERT_EQ(plan.action, RecoveryAction::kBootstrap) << plan.reason;
  EXPECT_EQ(plan.bootstrap_index, 1);
  EXPECT_EQ(plan.bootstrap_position.seqno, 40);
  EXPECT_EQ(writes_of(plan),
            (std::vector<WriteTuple>{{0, kUuid, 30, false}, {2, kUuid, 35, false}}));
}

TEST(PlanRecovery, ForceBootstrapsTheNamedPodAgainstTheRules) {
  auto plan = plan_recovery({stopped(0, 100), stopped(1, 50), stopped(2, 40), stopped(3, 60)},
                            policy(2, "mdb-galera-1"));
  ASSERT_EQ(plan.action, RecoveryAction::kBootstrap) << plan.reason;
  EXPECT_EQ(plan.bootstrap_index, 1);
  EXPECT_EQ(plan.bootstrap_position.seqno, 50);
  // Nodes ahead of the forced position cannot join its history by IST: no write for them.
  EXPECT_EQ(writes_of(plan),
            (std::vector<WriteTuple>{{1, kUuid, 50, true}, {2, kUuid, 40, false}}));
  EXPECT_EQ(plan.reason,
            "bootstrapping mdb-galera-1 at seqno 50 because force_bootstrap_pod names it "
            "(recovery rules not applied); mdb-galera-0 needs SST: seqno 100 is ahead of the "
            "forced position; mdb-galera-3 needs SST: seqno 60 is ahead of the forced position");
}

TEST(PlanRecovery, ForceUsesGrastateWhenNoPositionIsKnown) {
  auto plan = plan_recovery({crashed(0), crashed(1), crashed(2)}, policy(2, "mdb-galera-2"));
  ASSERT_EQ(plan.action, RecoveryAction::kBootstrap) << plan.reason;
  EXPECT_EQ(plan.bootstrap_index, 2);
  EXPECT_EQ(plan.bootstrap_position.uuid, kUuid);
  EXPECT_EQ(plan.bootstrap_position.seqno, -1);
  EXPECT_TRUE(plan.nodes_to_recover.empty());
  EXPECT_EQ(writes_of(plan), (std::vector<WriteTuple>{{2, kUuid, -1, true}}));
  EXPECT_TRUE(contains(plan.reason, "mdb-galera-0 position unknown: not recovered")) << plan.reason;
}

TEST(PlanRecovery, ForceOverridesUntrustworthyDataAndSaysSo) {
  auto plan = plan_recovery(
      {aborted_sst(recovered(0, 10)), stopped(1, 8), stopped(2, 20, false, kOther), empty_node(3)},
      policy(2, "mdb-galera-0"));
  ASSERT_EQ(plan.action, RecoveryAction::kBootstrap) << plan.reason;
  EXPECT_EQ(plan.bootstrap_index, 0);
  EXPECT_EQ(writes_of(plan), (std::vector<WriteTuple>{{0, kUuid, 10, true}, {1, kUuid, 8, false}}));
  EXPECT_TRUE(contains(plan.reason, "force_bootstrap_pod")) << plan.reason;
  EXPECT_TRUE(contains(plan.reason, "its own data: aborted SST marker")) << plan.reason;
  EXPECT_TRUE(contains(plan.reason, "mdb-galera-2 needs SST: UUID")) << plan.reason;
  EXPECT_TRUE(contains(plan.reason, "mdb-galera-3 needs SST: no data directory")) << plan.reason;
}

TEST(PlanRecovery, ForceResolvesAUuidConflict) {
  auto plan =
      plan_recovery({stopped(0, 10), stopped(1, 20, false, kOther)}, policy(2, "mdb-galera-1"));
  ASSERT_EQ(plan.action, RecoveryAction::kBootstrap) << plan.reason;
  EXPECT_EQ(plan.bootstrap_index, 1);
  EXPECT_EQ(writes_of(plan), (std::vector<WriteTuple>{{1, kOther, 20, true}}));
}

TEST(PlanRecovery, ForceNamingAMissingPodWaits) {
  auto plan = plan_recovery({stopped(0, 10), stopped(1, 11)}, policy(2, "mdb-galera-7"));
  EXPECT_EQ(plan.action, RecoveryAction::kWait);
  EXPECT_EQ(plan.bootstrap_index, -1);
  EXPECT_TRUE(plan.writes.empty());
  EXPECT_EQ(plan.reason,
            "force_bootstrap_pod mdb-galera-7 names no node of this cluster "
            "(nodes: mdb-galera-0, mdb-galera-1)");
}

TEST(PlanRecovery, NoNodesWaits) {
  auto plan = plan_recovery({}, policy());
  EXPECT_EQ(plan.action, RecoveryAction::kWait);
  EXPECT_EQ(plan.reason, "no nodes observed");
}

TEST(PlanRecovery, DuplicateIndexWaits) {
  auto plan = plan_recovery({stopped(0, 10), stopped(1, 11), stopped(1, 12)}, policy());
  EXPECT_EQ(plan.action, RecoveryAction::kWait);
  EXPECT_TRUE(contains(plan.reason, "share index 1")) << plan.reason;
}

// Every combination of three nodes drawn from these states must give a safe plan.
std::vector<NodeObservation> state_catalogue(int index) {
  NodeObservation running_unknown = crashed(index);
  running_unknown.running = true;
  NodeObservation running_known = recovered(index, 25);
  running_known.running = true;
  return {stopped(index, 10),
          stopped(index, 20, true),
          stopped(index, 20),
          recovered(index, 30),
          recovered(index, -1),
          crashed(index),
          crashed(index, kZeroUuid),
          aborted_sst(recovered(index, 99)),
          stopped(index, 50, false, kOther),
          empty_node(index),
          running_unknown,
          running_known};
}

bool trustworthy(const NodeObservation& node, const std::string& uuid) {
  auto position = known_position(node);
  return node.data_present && !node.sst_in_progress && node.grastate.uuid != kZeroUuid &&
         position && position->uuid == uuid && position->seqno >= 0;
}

TEST(PlanRecovery, EveryCombinationYieldsASafePlan) {
  const size_t states = state_catalogue(0).size();
  int bootstraps = 0;
  for (size_t a = 0; a < states; ++a) {
    for (size_t b = 0; b < states; ++b) {
      for (size_t c = 0; c < states; ++c) {
        const std::vector<NodeObservation> nodes = {state_catalogue(0)[a], state_catalogue(1)[b],
                                                    state_catalogue(2)[c]};
        const std::string where =
            std::to_string(a) + "/" + std::to_string(b) + "/" + std::to_string(c);
        const auto plan = plan_recovery(nodes, policy());
        ASSERT_FALSE(plan.reason.empty()) << where;

        const std::vector<NodeObservation> reversed(nodes.rbegin(), nodes.rend());
        const auto again = plan_recovery(reversed, policy());
        ASSERT_EQ(again.action, plan.action) << where;
        ASSERT_EQ(again.bootstrap_index, plan.bootstrap_index) << where;
        ASSERT_EQ(writes_of(again), writes_of(plan)) << where;

        for (int index : plan.nodes_to_recover) {
          ASSERT_FALSE(nodes[index].running) << where;
          ASSERT_TRUE(nodes[index].data_present) << where;
          ASSERT_FALSE(nodes[index].sst_in_progress) << where;
        }
        if (plan.action != RecoveryAction::kBootstrap) {
          ASSERT_EQ(plan.bootstrap_index, -1) << where;
          ASSERT_TRUE(plan.writes.empty()) << where;
          continue;
        }
        ++bootstraps;
        ASSERT_TRUE(plan.nodes_to_recover.empty()) << where;
        const NodeObservation& chosen = nodes.at(plan.bootstrap_index);
        const std::string& uuid = plan.bootstrap_position.uuid;
        ASSERT_TRUE(trustworthy(chosen, uuid)) << where;
        int trusted = 0;
        std::set<int> written;
        for (const NodeObservation& node : nodes) {
          if (!trustworthy(node, uuid)) continue;
          ++trusted;
          ASSERT_LE(known_position(node)->seqno, plan.bootstrap_position.seqno) << where;
        }
        ASSERT_GE(trusted, 2) << where;
        for (const PositionWrite& w : plan.writes) {
          ASSERT_TRUE(written.insert(w.index).second) << where;
          const NodeObservation& node = nodes.at(w.index);
          ASSERT_TRUE(trustworthy(node, uuid)) << where;
          ASSERT_FALSE(node.running) << where;
          ASSERT_EQ(w.grastate.uuid, uuid) << where;
          ASSERT_EQ(w.grastate.seqno, known_position(node)->seqno) << where;
          ASSERT_EQ(w.grastate.safe_to_bootstrap, w.index == plan.bootstrap_index) << where;
        }
        if (!chosen.running) {
          ASSERT_EQ(plan.writes.front().index, plan.bootstrap_index) << where;
        }
      }
    }
  }
  EXPECT_GT(bootstraps, 0);
}

}  // namespace
}  // namespace mdbop
