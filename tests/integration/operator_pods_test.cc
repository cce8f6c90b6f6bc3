// The operator on Kubernetes with its nodes as pods (--node-agents pod), against a real control
// plane (API server, scheduler, controller manager) whose nodes' kubelets are the kubelet double
// (tests/k8s/kubelet_double). One cluster lives through the whole story, each stage starting
// and ending Ready: a MariaDB applied with kubectl becomes three pods, scheduled one per node
// with their claims bound to local volumes, running `mdbop agent`; the operator seeds the
// cluster through the pods' agents (the seed's data streamed into the other pods) and the
// MariaDB becomes Ready, its rows readable on every pod's address; a killed server and a
// deleted pod heal; every server killed under a write load, with the operator killed too and
// the next one dying right after deciding the bootstrap, comes back with every acknowledged
// row and exactly one bootstrap; the primary's Service follows a failover; a configuration
// change rolls through the agents, and a changed pod template by making each pod again; a
// second operator waits while the first leads and takes the Lease over when the first is killed,
// and runs the rest of the story: the cluster scales to five pods and back to three; its binary
// log is archived to S3 and a physical backup goes there, and a new MariaDB is bootstrapped from
// both to a GTID (prepared and replayed in its seed pod); a deleted MariaDB takes its pods and
// leaves its claims. Then the tutorial's production manifest runs as written, as three pods
// whose exporters answer at their addresses, and its claims grow when its storage size does.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "harness.h"
#include "kube_control_plane.h"
#include "metrics_cluster.h"
#include "pods_story.h"
#include "s3_server.h"
#include "sql/connection.h"
#include "util/files.h"
#include "util/subprocess.h"
#include "writer.h"

namespace mdbop::testing {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;

constexpr char kPassword[] = "pods-Pass-1";
constexpr char kStorage[] = "  storage: {size: 1Gi, storageClassName: local}\n";
constexpr char kBootstrapLine[] = "Connecting with bootstrap option: 1";
// The spec after the configuration change and the pod template change.
constexpr char kConfiguredSpec[] =
    "  storage: {size: 1Gi, storageClassName: local}\n"
    "  myCnf: |\n    [mariadb]\n    max_connections=222\n";
constexpr char kRolledSpec[] =
    "  storage: {size: 1Gi, storageClassName: local}\n"
    "  myCnf: |\n    [mariadb]\n    max_connections=222\n"
    "  resources: {requests: {cpu: 100m}}\n";

SqlEndpoint root_at(const std::string& address, const std::string& password = kPassword) {
  SqlEndpoint endpoint;
  endpoint.host = address;
  endpoint.port = 3306;
  endpoint.password = password;
  return endpoint;
}

// The first column of the first row `sql` gives on the server at `address`.
std::string query_value(const std::string& address, const std::string& sql,
                        const std::string& password = kPassword) {
  auto connection = SqlConnection::connect(root_at(address, password));
  if (!connection) return "connect: " + connection.error().message;
  auto rows = connection->query(sql);
  if (!rows) return "query: " + rows.error().message;
  if (rows->rows.empty() || rows->rows[0].empty()) return "no rows";
  return rows->rows[0][0].value_or("NULL");
}

void wait_ready(KubeControlPlane& kube, const std::string& mariadb,
                const std::string& namespace_ = "default") {
  const KubectlResult ready = kube.kubectl(
      {"-n", namespace_, "wait", "mariadb/" + mariadb, "--for=condition=Ready", "--timeout=300s"});
  ASSERT_EQ(ready.exit_code, 0)
      << ready.err << kube.kubectl({"-n", namespace_, "get", "mariadb", mariadb, "-o", "yaml"}).out
      << kube.kubectl({"-n", namespace_, "describe", "pods"}).out
      << kube.kubectl({"-n", namespace_, "get", "pvc", "-o", "wide"}).out
      << kube.kubectl({"get", "pv", "-o", "wide"}).out
      << kube.kubectl({"-n", namespace_, "get", "events"}).out;
}

// Three pods, one per node, each Ready (its readiness probe: Synced) on an address of its own,
// owned by the MariaDB; a row written on one pod is read on every other.
void expect_three_pods_forming_one_cluster(KubeControlPlane& kube) {
  const KubectlResult pods_ready =
      kube.kubectl({"wait", "pods", "-l", "app.kubernetes.io/instance=kp", "--for=condition=Ready",
                    "--timeout=60s"});
  EXPECT_EQ(pods_ready.exit_code, 0) << pods_ready.err;
  const json pods = json::parse(
      kube.must_kubectl({"get", "pods", "-l", "app.kubernetes.io/instance=kp", "-o", "json"}));
  ASSERT_EQ(pods["items"].size(), 3u);
  std::set<std::string> nodes;
  for (const json& pod : pods["items"]) {
    SCOPED_TRACE(pod["metadata"]["name"].get<std::string>());
    nodes.insert(pod["spec"]["nodeName"].get<std::string>());
    EXPECT_EQ(pod["metadata"]["ownerReferences"][0]["name"], "kp");
    bool pod_ready = false;
    for (const json& condition : pod["status"]["conditions"]) {
      if (condition["type"] == "Ready") pod_ready = condition["status"] == "True";
    }
    EXPECT_TRUE(pod_ready) << pod["status"].dump(2);
  }
  EXPECT_EQ(nodes.size(), 3u);
  const std::string table = kube.must_kubectl({"get", "mariadb", "kp"});
  EXPECT_NE(table.find("True"), std::string::npos) << table;
  EXPECT_EQ(kube.must_kubectl({"get", "pods", "-l", "k8s.mariadb.com/role=primary", "-o",
                               "jsonpath={.items[*].metadata.name}"}),
            kube.must_kubectl({"get", "mariadb", "kp", "-o", "jsonpath={.status.currentPrimary}"}));

  const std::vector<std::string> addresses = pod_addresses(kube, "kp");
  auto writer = SqlConnection::connect(root_at(addresses[0]));
  ASSERT_TRUE(writer) << writer.error().what();
  ASSERT_TRUE(writer->execute(
      "CREATE DATABASE pods; CREATE TABLE pods.t (id INT PRIMARY KEY); INSERT INTO pods.t "
      "VALUES (1), (2)"));
  for (const std::string& address : addresses) {
    EXPECT_EQ(query_value(address, "SELECT COUNT(*) FROM pods.t"), "2") << address;
  }
}

// The server of one pod killed: the operator restarts it through the pod's agent and the
// MariaDB is Ready again; the pod stays (its container is the agent, which lives on).
void kill_one_server(KubeControlPlane& kube) {
  const std::string killed_uid =
      kube.must_kubectl({"get", "pod", "kp-1", "-o", "jsonpath={.metadata.uid}"});
  const pid_t server = server_of("kp-1");
  ASSERT_GT(server, 0);
  kill(server, SIGKILL);
  ASSERT_TRUE(
      eventually([&] { return server_of("kp-1") > 0 && server_of("kp-1") != server; }, 120s))
      << kube.kubectl({"get", "events"}).out;
  wait_ready(kube, "kp");
  EXPECT_EQ(kube.must_kubectl({"get", "pod", "kp-1", "-o", "jsonpath={.metadata.uid}"}),
            killed_uid);
}

// The ready addresses the EndpointSlices of Service `service` list, sorted, space-separated.
std::string ready_endpoints(KubeControlPlane& kube, const std::string& service) {
  const json slices = json::parse(kube.must_kubectl(
      {"get", "endpointslices", "-l", "kubernetes.io/service-name=" + service, "-o", "json"}));
  std::set<std::string> ready;
  for (const json& slice : slices["items"]) {
    for (const json& endpoint : slice.value("endpoints", json::array())) {
      if (!endpoint.value("conditions", json::object()).value("ready", false)) continue;
      for (const json& address : endpoint.value("addresses", json::array())) {
        ready.insert(address.get<std::string>());
      }
    }
  }
  std::string text;
  for (const std::string& address : ready) text += (text.empty() ? "" : " ") + address;
  return text;
}

// The primary's server killed: another member becomes the primary, its pod takes the role
// label, and the primary Service's endpoints are that pod's address alone.
void fail_over_the_primary(KubeControlPlane& kube) {
  const auto primary = [&] {
    return kube.must_kubectl({"get", "mariadb", "kp", "-o", "jsonpath={.status.currentPrimary}"});
  };
  const auto address_of = [&](const std::string& pod) {
    return kube.must_kubectl({"get", "pod", pod, "-o", "jsonpath={.status.podIP}"});
  };
  const std::string old_primary = primary();
  ASSERT_FALSE(old_primary.empty());
  // The API server takes no loopback address into an EndpointSlice: only with the double's pod
  // network (which needs CAP_NET_ADMIN) do Services have endpoints.
  const bool endpoints = address_of(old_primary).rfind("127.", 0) != 0;
  if (!endpoints) {
    std::cout << "note: the pods have loopback addresses (the kubelet double could not make its "
                 "pod network local): the primary Service's endpoints are not checked\n";
  } else {
    ASSERT_TRUE(eventually(
        [&] { return ready_endpoints(kube, "kp-primary") == address_of(old_primary); }, 60s))
        << ready_endpoints(kube, "kp-primary") << " " << address_of(old_primary);
  }
  const pid_t server = server_of(old_primary);
  ASSERT_GT(server, 0);
  kill(server, SIGKILL);
  ASSERT_TRUE(eventually(
      [&] {
        const std::string now = primary();
        if (now.empty() || now == old_primary) return false;
        const std::string labelled =
            kube.must_kubectl({"get", "pods", "-l", "k8s.mariadb.com/role=primary", "-o",
                               "jsonpath={.items[*].metadata.name}"});
        return labelled == now &&
               (!endpoints || ready_endpoints(kube, "kp-primary") == address_of(now));
      },
      120s))
      << primary() << " " << ready_endpoints(kube, "kp-primary")
      << kube.kubectl({"get", "pods", "-o", "wide"}).out;
  wait_ready(kube, "kp");
}

// A pod deleted with kubectl: its agent stops the server cleanly, the operator makes the pod
// again on the same claim and its server rejoins with the data it kept, by IST.
void delete_one_pod(PodsStory& story) {
  KubeControlPlane& kube = story.kube();
  const int ists_before = story.count_in_server_logs("IST received");
  const std::string deleted_uid =
      kube.must_kubectl({"get", "pod", "kp-2", "-o", "jsonpath={.metadata.uid}"});
  kube.must_kubectl({"delete", "pod", "kp-2", "--wait=true", "--timeout=120s"});
  ASSERT_TRUE(eventually(
      [&] {
        const std::string uid =
            kube.kubectl({"get", "pod", "kp-2", "-o", "jsonpath={.metadata.uid}"}).out;
        return !uid.empty() && uid != deleted_uid;
      },
      120s))
      << kube.kubectl({"get", "pods", "-o", "wide"}).out << kube.kubectl({"get", "events"}).out;
  const KubectlResult recreated_ready =
      kube.kubectl({"wait", "pod/kp-2", "--for=condition=Ready", "--timeout=300s"});
  ASSERT_EQ(recreated_ready.exit_code, 0)
      << recreated_ready.err << kube.kubectl({"describe", "pod", "kp-2"}).out
      << kube.kubectl({"get", "events"}).out;
  wait_ready(kube, "kp");
  EXPECT_EQ(query_value(pod_addresses(kube, "kp")[2], "SELECT COUNT(*) FROM pods.t"), "2");
  EXPECT_GT(story.count_in_server_logs("IST received"), ists_before);
}

// Every server killed under a write load, and the operator with them; the next operator dies
// right after it has decided and recorded the bootstrap; the one after it finishes the
// recovery: exactly one bootstrap, and every acknowledged row on every pod.
void kill_every_server_and_the_operator(PodsStory& story) {
  KubeControlPlane& kube = story.kube();
  const std::vector<std::string> addresses = pod_addresses(kube, "kp");
  Writer writer([&] { return addresses; }, 3306, kPassword);
  ASSERT_TRUE(eventually([&] { return writer.acknowledged().size() > 200; }, 60s));
  const int bootstraps_before = story.count_in_server_logs(kBootstrapLine);
  story.installation().kill_operator();
  for (const char* pod : {"kp-0", "kp-1", "kp-2"}) {
    const pid_t server = server_of(pod);
    ASSERT_GT(server, 0) << pod;
    kill(server, SIGKILL);
  }
  std::this_thread::sleep_for(300ms);
  writer.stop();
  const std::set<long long> acknowledged = writer.acknowledged();

  const pid_t deciding = story.start_operator({{"MDBOP_CRASH_POINT", "after-bootstrap-decision"}});
  ASSERT_GT(deciding, 0);
  ASSERT_TRUE(eventually([&] { return !process_alive(deciding); }, 180s))
      << kube.kubectl({"get", "mariadb", "kp", "-o", "yaml"}).out;
  const json recovery = json::parse(
      kube.must_kubectl({"get", "mariadb", "kp", "-o", "jsonpath={.status.galeraRecovery}"}));
  EXPECT_EQ(recovery.value("state", ""), "Bootstrapping") << recovery.dump(2);
  EXPECT_EQ(story.count_in_server_logs(kBootstrapLine), bootstraps_before);

  ASSERT_GT(story.start_operator(), 0);
  wait_ready(kube, "kp");
  EXPECT_EQ(story.count_in_server_logs(kBootstrapLine), bootstraps_before + 1);
  for (const std::string& address : addresses) {
    auto connection = SqlConnection::connect(root_at(address));
    ASSERT_TRUE(connection) << connection.error().what();
    auto rows = connection->query("SELECT id FROM test.writes");
    ASSERT_TRUE(rows) << rows.error().what();
    std::set<long long> present;
    for (const auto& row : rows->rows) present.insert(std::stoll(row[0].value_or("0")));
    long long missing = 0;
    for (long long id : acknowledged) missing += present.contains(id) ? 0 : 1;
    EXPECT_EQ(missing, 0) << address << " lacks " << missing << " of " << acknowledged.size()
                          << " acknowledged rows";
  }
}

// A configuration change: every pod's server runs with it, restarted one at a time through its
// agent (the pods stay).
void roll_a_configuration_change(KubeControlPlane& kube) {
  const std::string uids = kube.must_kubectl({"get", "pods", "-l", "app.kubernetes.io/instance=kp",
                                              "-o", "jsonpath={.items[*].metadata.uid}"});
  kube.must_kubectl({"apply", "-f", "-"}, galera_manifest("kp", 3, kPassword, kConfiguredSpec));
  ASSERT_TRUE(eventually(
      [&] {
        for (const std::string& address : pod_addresses(kube, "kp")) {
          if (query_value(address, "SELECT @@max_connections") != "222") return false;
        }
        return true;
      },
      300s))
      << kube.kubectl({"get", "events"}).out;
  wait_ready(kube, "kp");
  EXPECT_EQ(kube.must_kubectl({"get", "pods", "-l", "app.kubernetes.io/instance=kp", "-o",
                               "jsonpath={.items[*].metadata.uid}"}),
            uids);
}

// A changed pod template (resources): every pod is made again from it, one at a time, the
// primary last, each rejoining by IST on its claim.
void roll_a_changed_pod_template(PodsStory& story) {
  KubeControlPlane& kube = story.kube();
  const std::string uids = kube.must_kubectl({"get", "pods", "-l", "app.kubernetes.io/instance=kp",
                                              "-o", "jsonpath={.items[*].metadata.uid}"});
  std::set<std::string> old_uids;
  for (size_t at = 0; at < uids.size();) {
    const size_t end = std::min(uids.find(' ', at), uids.size());
    old_uids.insert(uids.substr(at, end - at));
    at = end + 1;
  }
  const int ists_before = story.count_in_server_logs("IST received");
  // Writes go on throughout: one pod at a time is down, so a Primary component always serves.
  Writer writer(
      [&] {
        std::vector<std::string> addresses = pod_addresses(kube, "kp");
        std::erase(addresses, "");  // a pod made again has none until it runs
        return addresses;
      },
      3306, kPassword, 5ms);
  kube.must_kubectl({"apply", "-f", "-"}, galera_manifest("kp", 3, kPassword, kRolledSpec));
  ASSERT_TRUE(eventually(
      [&] {
        const json pods = json::parse(kube.must_kubectl(
            {"get", "pods", "-l", "app.kubernetes.io/instance=kp", "-o", "json"}));
        int renewed = 0;
        for (const json& pod : pods["items"]) {
          const bool made_again = pod["status"].value("podIP", "") != "" &&
                                  !old_uids.contains(pod["metadata"]["uid"].get<std::string>());
          renewed += made_again ? 1 : 0;
        }
        return renewed == 3;
      },
      300s))
      << kube.kubectl({"get", "pods", "-o", "wide"}).out << kube.kubectl({"get", "events"}).out;
  wait_ready(kube, "kp");
  writer.stop();
  EXPECT_TRUE(writer.non_primary_errors().empty()) << writer.non_primary_errors().front();
  // The replicas first, the primary (index 0) last, each once.
  auto log = read_file(story.installation().home() / "operator.log");
  ASSERT_TRUE(log);
  std::vector<std::string> rolled;
  for (size_t at = log->find("to apply a changed pod template"); at != std::string::npos;
       at = log->find("to apply a changed pod template", at + 1)) {
    const size_t pod = log->rfind("restarting ", at);
    rolled.push_back(log->substr(pod + 11, at - pod - 12));
  }
  EXPECT_EQ(rolled, (std::vector<std::string>{"kp-2", "kp-1", "kp-0"}));
  const json pods = json::parse(
      kube.must_kubectl({"get", "pods", "-l", "app.kubernetes.io/instance=kp", "-o", "json"}));
  for (const json& pod : pods["items"]) {
    EXPECT_EQ(pod["spec"]["containers"][0]["resources"]["requests"]["cpu"], "100m")
        << pod["metadata"]["name"];
  }
  for (const std::string& address : pod_addresses(kube, "kp")) {
    EXPECT_EQ(query_value(address, "SELECT COUNT(*) FROM pods.t"), "2") << address;
    EXPECT_EQ(query_value(address, "SELECT @@max_connections"), "222") << address;
  }
  EXPECT_GE(story.count_in_server_logs("IST received"), ists_before + 3);
}

// Two operators: a second one waits while the first holds the Lease mdbop-operator; the first
// killed without giving it up, the second takes it once it has expired. From then on it is the
// only operator alive: the stages after this one (scaling, the backup and the new MariaDB, the
// deletion, the production manifest) are its work.
void hand_over_to_a_second_operator(PodsStory& story) {
  KubeControlPlane& kube = story.kube();
  const auto lease_holder = [&] {
    return kube
        .kubectl({"get", "lease", "mdbop-operator", "-n", "mdbop-system", "-o",
                  "jsonpath={.spec.holderIdentity}"})
        .out;
  };
  const pid_t first = story.installation().operator_pid();
  ASSERT_GT(first, 0);
  ASSERT_TRUE(lease_holder().ends_with("-" + std::to_string(first))) << lease_holder();
  const pid_t second = story.start_second_operator();
  ASSERT_GT(second, 0);
  const fs::path second_log = story.second_installation().home() / "operator.log";
  ASSERT_TRUE(eventually(
      [&] {
        auto log = read_file(second_log);
        return log && log->find(
                          "waiting to lead: the lease mdbop-system/mdbop-operator is held "
                          "by") != std::string::npos;
      },
      30s));
  EXPECT_TRUE(lease_holder().ends_with("-" + std::to_string(first))) << lease_holder();

  story.installation().kill_operator();
  ASSERT_TRUE(
      eventually([&] { return lease_holder().ends_with("-" + std::to_string(second)); }, 90s))
      << lease_holder();
  wait_ready(kube, "kp");
}

// Five pods (the new ones on volumes added for them, joined by a state transfer from a pod of
// the cluster), then three again: the two last pods go.
void scale_to_five_and_back(PodsStory& story) {
  KubeControlPlane& kube = story.kube();
  story.add_volumes("scaled-volumes", "scaled-");
  kube.must_kubectl({"apply", "-f", "-"}, galera_manifest("kp", 5, kPassword, kRolledSpec));
  ASSERT_TRUE(eventually([&] { return pod_addresses(kube, "kp").size() == 5u; }, 60s));
  wait_ready(kube, "kp");
  const std::vector<std::string> five = pod_addresses(kube, "kp");
  ASSERT_EQ(five.size(), 5u);
  EXPECT_EQ(query_value(five[4], "SELECT COUNT(*) FROM pods.t"), "2");
  EXPECT_EQ(query_value(five[4],
                        "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
                        "WHERE VARIABLE_NAME = 'WSREP_CLUSTER_SIZE'"),
            "5");

  kube.must_kubectl({"apply", "-f", "-"}, galera_manifest("kp", 3, kPassword, kRolledSpec));
  ASSERT_TRUE(eventually([&] { return pod_addresses(kube, "kp").size() == 3u; }, 180s))
      << kube.kubectl({"get", "pods", "-o", "wide"}).out;
  wait_ready(kube, "kp");
  EXPECT_EQ(query_value(pod_addresses(kube, "kp")[0],
                        "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
                        "WHERE VARIABLE_NAME = 'WSREP_CLUSTER_SIZE'"),
            "3");
}

// The binary log of kp archived to S3 (a PointInTimeRecovery) from before a PhysicalBackup
// streamed from a pod's agent to S3 (read back with s3cmd); a row written after the backup and
// archived; a new MariaDB bootstrapped from the backup and the archive to that row's GTID: the
// backup received and prepared in its seed pod by the pod's agent, the archived binary log
// streamed to that agent and replayed there, and every pod holding every row.
void back_up_and_restore_to_a_moment_into_a_new_mariadb(PodsStory& story) {
  KubeControlPlane& kube = story.kube();
  S3Server s3;
  const std::string s3_storage =
      "    s3:\n      bucket: backups\n      endpoint: " + s3.endpoint() +
      "\n      accessKeyIdSecretKeyRef: {name: s3, key: id}\n"
      "      secretAccessKeySecretKeyRef: {name: s3, key: secret}\n";
  kube.must_kubectl({"apply", "-f", "-"},
                    "apiVersion: v1\nkind: Secret\nmetadata: {name: s3}\nstringData:\n  id: " +
                        s3.access_key() + "\n  secret: " + s3.secret_key() +
                        "\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: archive-key}\n"
                        "stringData: {key: pods-archive-key-0123456789abcdef}\n"
                        "---\napiVersion: k8s.mariadb.com/v1alpha1\nkind: PointInTimeRecovery\n"
                        "metadata: {name: pitr}\nspec:\n  physicalBackupRef: {name: nightly}\n"
                        "  storage:\n" +
                        s3_storage +
                        "      prefix: pods-archive\n"
                        "  encryption: {keySecretKeyRef: {name: archive-key, key: key}}\n");
  kube.must_kubectl({"patch", "mariadb", "kp", "--type", "merge", "-p",
                     R"({"spec":{"pointInTimeRecoveryRef":{"name":"pitr"}}})"});
  // Archiving before the backup is taken: the archive covers everything after it.
  EXPECT_TRUE(eventually(
      [&] {
        return !kube.must_kubectl({"get", "mariadb", "kp", "-o",
                                   "jsonpath={.status.pointInTimeRecovery.node}"})
                    .empty();
      },
      120s))
      << kube.kubectl({"get", "mariadb", "kp", "-o", "yaml"}).out;
  kube.must_kubectl({"apply", "-f", "-"},
                    "apiVersion: k8s.mariadb.com/v1alpha1\nkind: PhysicalBackup\n"
                    "metadata: {name: nightly}\nspec:\n  mariaDbRef: {name: kp}\n  storage:\n" +
                        s3_storage + "      prefix: pods\n");
  const KubectlResult backed_up = kube.kubectl(
      {"wait", "physicalbackup/nightly", "--for=condition=Complete", "--timeout=180s"});
  ASSERT_EQ(backed_up.exit_code, 0)
      << backed_up.err << kube.kubectl({"get", "physicalbackup", "nightly", "-o", "yaml"}).out
      << kube.kubectl({"get", "events"}).out;
  const std::string listing = s3.s3cmd({"ls", "-r", "s3://backups/pods/"});
  EXPECT_NE(listing.find("manifest.json"), std::string::npos) << listing;
  EXPECT_NE(listing.find("data.xbstream"), std::string::npos) << listing;

  // A row after the backup, archived.
  const std::string primary = kube.must_kubectl(
      {"get", "pod",
       kube.must_kubectl({"get", "mariadb", "kp", "-o", "jsonpath={.status.currentPrimary}"}), "-o",
       "jsonpath={.status.podIP}"});
  const std::string gtid =
      query_value(primary, "INSERT INTO pods.t VALUES (3); SELECT @@last_gtid");
  ASSERT_TRUE(eventually(
      [&] {
        return kube.must_kubectl({"get", "mariadb", "kp", "-o",
                                  "jsonpath={.status.pointInTimeRecovery.lastArchivedGtid}"}) ==
               gtid;
      },
      120s))
      << gtid << kube.kubectl({"get", "mariadb", "kp", "-o", "yaml"}).out;

  story.add_volumes("restored-volumes", "restored-");
  kube.must_kubectl({"apply", "-f", "-"},
                    galera_manifest("kr", 3, kPassword,
                                    std::string(kStorage) +
                                        "  bootstrapFrom:\n"
                                        "    pointInTimeRecoveryRef: {name: pitr}\n"
                                        "    targetRecoveryGtid: \"" +
                                        gtid + "\"\n"));
  wait_ready(kube, "kr");
  if (::testing::Test::HasFatalFailure()) return;
  const json restore =
      json::parse(kube.must_kubectl({"get", "restore", "kr-bootstrap", "-o", "json"}))["status"];
  EXPECT_EQ(restore.value("receivingPod", ""), "kr-0") << restore.dump(2);
  EXPECT_EQ(restore.value("pointInTime", json::object()).value("recoveredGtid", ""), gtid)
      << restore.dump(2);
  const std::vector<std::string> restored = pod_addresses(kube, "kr");
  ASSERT_EQ(restored.size(), 3u);
  for (const std::string& address : restored) {
    EXPECT_EQ(query_value(address, "SELECT GROUP_CONCAT(id ORDER BY id) FROM pods.t"), "1,2,3")
        << address;
  }
  const KubectlResult deleted = kube.kubectl({"delete", "mariadb", "kr", "--timeout=180s"});
  EXPECT_EQ(deleted.exit_code, 0) << deleted.err;
  kube.must_kubectl({"patch", "mariadb", "kp", "--type", "json", "-p",
                     R"([{"op":"remove","path":"/spec/pointInTimeRecoveryRef"}])"});
}

// Deleted with kubectl: the finalizer holds the MariaDB until its pods are gone; the claims,
// which no object owns, stay with the data.
void delete_the_mariadb(KubeControlPlane& kube) {
  const KubectlResult deleted = kube.kubectl({"delete", "mariadb", "kp", "--timeout=180s"});
  EXPECT_EQ(deleted.exit_code, 0) << deleted.err;
  EXPECT_TRUE(eventually(
      [&] {
        return kube.must_kubectl({"get", "pods", "-l", "app.kubernetes.io/instance=kp", "-o",
                                  "jsonpath={.items[*].metadata.name}"}) == "";
      },
      120s));
  EXPECT_EQ(kube.must_kubectl(
                {"get", "pvc", "storage-kp-0", "-o", "jsonpath={.metadata.ownerReferences}"}),
            "");
}

// The tutorial's production manifest beside the project (MDBOP_SHARED_MANIFESTS, default
// ../shared/manifests), applied as written into its namespace: three pods on three nodes (its
// required anti-affinity), each asking 2 CPUs and 4 GiB, on 100Gi claims of its storage class,
// one Synced cluster running its myCnf, reached with the password of its Secret; the columns
// of `kubectl get mariadb`; the metrics password it leaves to its default, generated.
void run_the_production_manifest(PodsStory& story) {
  KubeControlPlane& kube = story.kube();
  const char* shared = std::getenv("MDBOP_SHARED_MANIFESTS");
  const fs::path manifest =
      (shared != nullptr ? fs::path(shared)
                         : fs::path(MDBOP_SOURCE_DIR) / ".." / "shared" / "manifests") /
      "galera-production.yaml";
  ASSERT_TRUE(fs::exists(manifest)) << manifest << " is not there: set MDBOP_SHARED_MANIFESTS";
  kube.must_kubectl({"create", "namespace", "production"});
  story.add_volumes("production-volumes", "production-", "ssd-retain", "100Gi");
  kube.must_kubectl({"apply", "-f", manifest.string()});
  wait_ready(kube, "mariadb-galera", "production");
  if (::testing::Test::HasFatalFailure()) return;

  const json pods =
      json::parse(kube.must_kubectl({"-n", "production", "get", "pods", "-l",
                                     "app.kubernetes.io/instance=mariadb-galera", "-o", "json"}));
  ASSERT_EQ(pods["items"].size(), 3u);
  std::set<std::string> nodes;
  for (const json& pod : pods["items"]) {
    nodes.insert(pod["spec"].value("nodeName", ""));
    const json resources = pod["spec"]["containers"][0]["resources"];
    EXPECT_EQ(resources["requests"]["cpu"], "2") << resources.dump();
    EXPECT_EQ(resources["requests"]["memory"], "4Gi") << resources.dump();
    EXPECT_EQ(resources["limits"]["memory"], "8Gi") << resources.dump();
    const std::string address = pod["status"].value("podIP", "");
    const std::string password = "SuperSecureRootPassword123!";
    EXPECT_EQ(query_value(address,
                          "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
                          "WHERE VARIABLE_NAME = 'WSREP_CLUSTER_SIZE'",
                          password),
              "3")
        << address;
    EXPECT_EQ(query_value(address, "SELECT @@innodb_buffer_pool_size", password),
              std::to_string(3LL << 30))
        << address;
    EXPECT_EQ(query_value(address, "SELECT @@log_bin", password), "1") << address;
  }
  EXPECT_EQ(nodes.size(), 3u) << "not one pod per node";

  const json claims =
      json::parse(kube.must_kubectl({"-n", "production", "get", "pvc", "-o", "json"}));
  ASSERT_EQ(claims["items"].size(), 3u);
  for (const json& claim : claims["items"]) {
    EXPECT_EQ(claim["spec"]["resources"]["requests"]["storage"], "100Gi") << claim.dump();
    EXPECT_EQ(claim["spec"].value("storageClassName", ""), "ssd-retain") << claim.dump();
    EXPECT_EQ(claim["status"].value("phase", ""), "Bound") << claim.dump();
  }

  const std::string table = kube.must_kubectl({"-n", "production", "get", "mariadb"});
  for (const char* column : {"READY", "STATUS", "PRIMARY", "AGE"}) {
    EXPECT_NE(table.find(column), std::string::npos) << table;
  }
  EXPECT_NE(table.find("True"), std::string::npos) << table;
  EXPECT_NE(table.find("mariadb-galera-0"), std::string::npos) << table;
  // The manifest enables metrics without naming the exporter's password: read with its defaults,
  // the MariaDB's metrics account has its password generated into the default Secret.
  EXPECT_TRUE(eventually(
      [&] {
        return kube.kubectl(
                       {"-n", "production", "get", "secret", "mariadb-galera-metrics-password"})
                   .exit_code == 0;
      },
      60s));
  // Each pod's agent runs the exporter (metrics.enabled), which reads its server: scraped at the
  // pod's address, as a Prometheus of the cluster would.
  for (const json& pod : pods["items"]) {
    const std::string address = pod["status"].value("podIP", "");
    std::string text;
    EXPECT_TRUE(eventually(
        [&] {
          text = scrape(address + ":9104");
          return text.find("\nmysql_up 1\n") != std::string::npos;
        },
        60s))
        << address << "\n"
        << text.substr(0, 2000);
  }
}

// The production MariaDB's claims' phase and requested size, by claim name.
std::map<std::string, std::string> production_claim_sizes(KubeControlPlane& kube) {
  const json claims = json::parse(
      kube.kubectl({"-n", "production", "get", "pvc", "-o", "json"}).out, nullptr, false);
  std::map<std::string, std::string> sizes;
  if (!claims.is_object()) return sizes;
  for (const json& claim : claims.value("items", json::array())) {
    sizes[claim["metadata"].value("name", "")] =
        claim["spec"]["resources"]["requests"].value("storage", "");
  }
  return sizes;
}

std::string ready_reason(KubeControlPlane& kube, const std::string& mariadb,
                         const std::string& namespace_) {
  const json object =
      json::parse(kube.kubectl({"-n", namespace_, "get", "mariadb", mariadb, "-o", "json"}).out,
                  nullptr, false);
  if (!object.is_object()) return "";
  for (const json& condition : object["status"].value("conditions", json::array())) {
    if (condition.value("type", "") == "Ready") return condition.value("reason", "");
  }
  return "";
}

// spec.storage.size grown from 100Gi to 120Gi. While the claims' StorageClass does not allow
// expansion: a StorageNotResized warning naming allowVolumeExpansion, the claims as they were.
// Once it does: each claim asks 120Gi and the MariaDB is not Ready (StorageResizing) until
// their capacity shows it. No volume driver runs here (local volumes cannot grow), so the test
// plays the external resizer a CSI driver brings: it raises each volume's and claim's capacity.
void grow_the_production_claims(KubeControlPlane& kube) {
  kube.must_kubectl({"-n", "production", "patch", "mariadb", "mariadb-galera", "--type=merge", "-p",
                     R"({"spec":{"storage":{"size":"120Gi"}}})"});
  std::string events;
  EXPECT_TRUE(eventually(
      [&] {
        events = kube.kubectl({"-n", "production", "get", "events", "--field-selector",
                               "reason=StorageNotResized", "-o", "json"})
                     .out;
        return events.find("does not allow expansion (allowVolumeExpansion)") != std::string::npos;
      },
      60s))
      << events;
  for (const auto& [claim, size] : production_claim_sizes(kube)) EXPECT_EQ(size, "100Gi") << claim;

  kube.must_kubectl(
      {"patch", "storageclass", "ssd-retain", "-p", R"({"allowVolumeExpansion":true})"});
  // The class is read again within a minute.
  EXPECT_TRUE(eventually(
      [&] {
        const auto sizes = production_claim_sizes(kube);
        return sizes.size() == 3 && std::all_of(sizes.begin(), sizes.end(), [](const auto& claim) {
                 return claim.second == "120Gi";
               });
      },
      120s));
  EXPECT_TRUE(eventually(
      [&] { return ready_reason(kube, "mariadb-galera", "production") == "StorageResizing"; }, 60s))
      << kube.kubectl({"-n", "production", "get", "mariadb", "mariadb-galera", "-o", "yaml"}).out;

  const json claims =
      json::parse(kube.must_kubectl({"-n", "production", "get", "pvc", "-o", "json"}));
  for (const json& claim : claims["items"]) {
    const std::string volume = claim["spec"].value("volumeName", "");
    kube.must_kubectl(
        {"patch", "pv", volume, "-p", R"({"spec":{"capacity":{"storage":"120Gi"}}})"});
    kube.must_kubectl({"-n", "production", "patch", "pvc", claim["metadata"].value("name", ""),
                       "--subresource=status", "--type=merge", "-p",
                       R"({"status":{"capacity":{"storage":"120Gi"}}})"});
  }
  wait_ready(kube, "mariadb-galera", "production");
}

void delete_the_production_manifest(KubeControlPlane& kube) {
  const KubectlResult deleted =
      kube.kubectl({"-n", "production", "delete", "mariadb", "mariadb-galera", "--timeout=180s"});
  EXPECT_EQ(deleted.exit_code, 0) << deleted.err;
}

TEST(OperatorOnPods, AClusterAppliedWithKubectlRunsAsPodsThroughEveryStageOfItsLife) {
  PodsStory story;
  ASSERT_TRUE(story.start());
  KubeControlPlane& kube = story.kube();
  kube.must_kubectl({"apply", "-f", "-"}, galera_manifest("kp", 3, kPassword, kStorage));
  wait_ready(kube, "kp");
  for (const auto& [stage, run] : std::vector<std::pair<std::string, std::function<void()>>>{
           {"three pods", [&] { expect_three_pods_forming_one_cluster(kube); }},
           {"one server killed", [&] { kill_one_server(kube); }},
           {"primary failover", [&] { fail_over_the_primary(kube); }},
           {"one pod deleted", [&] { delete_one_pod(story); }},
           {"full crash", [&] { kill_every_server_and_the_operator(story); }},
           {"configuration change", [&] { roll_a_configuration_change(kube); }},
           {"pod template change", [&] { roll_a_changed_pod_template(story); }},
           {"two operators", [&] { hand_over_to_a_second_operator(story); }},
           {"scale 3-5-3", [&] { scale_to_five_and_back(story); }},
           {"backup and restore to a moment",
            [&] { back_up_and_restore_to_a_moment_into_a_new_mariadb(story); }},
           {"deleted", [&] { delete_the_mariadb(kube); }},
           {"the tutorial's production manifest", [&] { run_the_production_manifest(story); }},
           {"the production claims grown", [&] { grow_the_production_claims(kube); }},
           {"the production manifest deleted", [&] { delete_the_production_manifest(kube); }},
       }) {
    SCOPED_TRACE(stage);
    run();
    if (HasFatalFailure()) return;
  }
}

}  // namespace
}  // namespace mdbop::testing
