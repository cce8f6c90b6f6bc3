#include "runtime/kube/node_pod.h"

#include <gtest/gtest.h>

#include <string>

#include "api/mariadb_spec.h"
#include "stored_mariadb.h"

namespace mdbop {
namespace {

using json = nlohmann::json;

const PodEnvironment kEnvironment{"registry.example/mdbop:1.0", "registry.example/mdbop:1.0"};

json pod_of(const json& mariadb, int index = 1, NodeRole role = NodeRole::kSecondary) {
  return render_node_pod(mariadb, mariadb_spec_from(mariadb), NodeId{"db", "galera", index}, role,
                         kEnvironment);
}

const json& container(const json& pod) { return pod["spec"]["containers"][0]; }

TEST(NodePodTest, IsNamedByIndexOwnedByItsMariaDBAndReachableByItsDnsName) {
  const json pod = pod_of(stored_mariadb("  replicas: 3\n  galera: {enabled: true}\n"), 2);
  EXPECT_EQ(pod["metadata"]["name"], "galera-2");
  EXPECT_EQ(pod["metadata"]["namespace"], "db");
  const json& owner = pod["metadata"]["ownerReferences"][0];
  EXPECT_EQ(owner["kind"], "MariaDB");
  EXPECT_EQ(owner["name"], "galera");
  EXPECT_EQ(owner["uid"], "5b0c3a52-1f0e-4c8e-9a51-0d1c2b3a4f56");
  EXPECT_EQ(owner["controller"], true);
  EXPECT_EQ(pod["spec"]["hostname"], "galera-2");
  EXPECT_EQ(pod["spec"]["subdomain"], "galera-internal");
  EXPECT_EQ(pod["metadata"]["labels"]["app.kubernetes.io/instance"], "galera");
  EXPECT_EQ(pod["metadata"]["labels"][kPodIndexLabel], "2");
  EXPECT_EQ(pod["metadata"]["labels"][kRoleLabel], "secondary");
}

TEST(NodePodTest, RunsTheAgentFromTheBundleOnThePodsAddressWithItsClaimAndSecret) {
  const json pod = pod_of(stored_mariadb("  replicas: 3\n  galera: {enabled: true}\n"));
  const json& command = container(pod)["command"];
  EXPECT_EQ(command[0], "/mdbop/lib/ld-linux-x86-64.so.2");
  EXPECT_EQ(command[3], "/mdbop/bin/mdbop");
  EXPECT_EQ(command[4], "agent");
  const std::string line = command.dump();
  EXPECT_NE(line.find("\"--namespace\",\"db\",\"--mariadb\",\"galera\",\"--index\",\"1\""),
            std::string::npos)
      << line;
  EXPECT_NE(line.find("\"--pod-address\",\"$(POD_IP)\",\"--sql-port\",\"3306\""), std::string::npos)
      << line;
  EXPECT_NE(line.find("\"--listen\",\"$(POD_IP):5555\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"--probe-listen\",\"$(POD_IP):5556\""), std::string::npos) << line;
  EXPECT_EQ(container(pod)["env"][0]["valueFrom"]["fieldRef"]["fieldPath"], "status.podIP");
  EXPECT_EQ(pod["spec"]["initContainers"][0]["image"], "registry.example/mdbop:1.0");
  EXPECT_EQ(container(pod)["image"], "registry.example/mdbop:1.0");
  const json& volumes = pod["spec"]["volumes"];
  EXPECT_EQ(volumes[0]["persistentVolumeClaim"]["claimName"], "storage-galera-1");
  EXPECT_EQ(volumes[2]["secret"]["secretName"], "galera-1-mdbop-tls");
  EXPECT_EQ(pod["spec"]["automountServiceAccountToken"], false);
  EXPECT_EQ(pod["spec"]["securityContext"]["runAsNonRoot"], true);
  EXPECT_EQ(container(pod)["securityContext"]["allowPrivilegeEscalation"], false);
}

TEST(NodePodTest, HonoursThePodFieldsOfTheProductionManifest) {
  const json mariadb = stored_mariadb(R"(  replicas: 3
  image: mariadb:11.8.1
  imagePullPolicy: IfNotPresent
  galera: {enabled: true}
  resources: {requests: {cpu: "2", memory: 4Gi}, limits: {cpu: "4", memory: 8Gi}}
  affinity:
    podAntiAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        - labelSelector: {matchLabels: {app.kubernetes.io/instance: galera}}
          topologyKey: kubernetes.io/hostname
  tolerations: [{key: database, operator: Equal, value: mariadb, effect: NoSchedule}]
  nodeSelector: {disk: ssd}
  topologySpreadConstraints: [{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule}]
  priorityClassName: databases
  serviceAccountName: galera-sa
  podSecurityContext: {runAsUser: 1001, fsGroup: 1001}
  securityContext: {readOnlyRootFilesystem: true}
  podMetadata: {labels: {team: data}, annotations: {backup: nightly}}
)");
  const json pod = pod_of(mariadb);
  EXPECT_EQ(container(pod)["image"], "mariadb:11.8.1");
  EXPECT_EQ(container(pod)["imagePullPolicy"], "IfNotPresent");
  EXPECT_EQ(container(pod)["resources"]["requests"]["memory"], "4Gi");
  EXPECT_EQ(container(pod)["securityContext"], json({{"readOnlyRootFilesystem", true}}));
  EXPECT_EQ(pod["spec"]["securityContext"], json({{"runAsUser", 1001}, {"fsGroup", 1001}}));
  EXPECT_EQ(pod["spec"]["affinity"], mariadb["spec"]["affinity"]);
  EXPECT_EQ(pod["spec"]["tolerations"], mariadb["spec"]["tolerations"]);
  EXPECT_EQ(pod["spec"]["nodeSelector"]["disk"], "ssd");
  EXPECT_EQ(pod["spec"]["topologySpreadConstraints"], mariadb["spec"]["topologySpreadConstraints"]);
  EXPECT_EQ(pod["spec"]["priorityClassName"], "databases");
  EXPECT_EQ(pod["spec"]["serviceAccountName"], "galera-sa");
  EXPECT_EQ(pod["metadata"]["labels"]["team"], "data");
  EXPECT_EQ(pod["metadata"]["annotations"]["backup"], "nightly");
  // The mdbop image still brings the agent.
  EXPECT_EQ(pod["spec"]["initContainers"][0]["image"], "registry.example/mdbop:1.0");
}

TEST(NodePodTest, ManifestProbesKeepTheirTimingsButAskTheAgent) {
  const json pod = pod_of(stored_mariadb(R"(  replicas: 3
  galera: {enabled: true}
  livenessProbe:
    exec: {command: [bash, -c, 'mariadb -u root -p"${MARIADB_ROOT_PASSWORD}" -e "SELECT 1"']}
    initialDelaySeconds: 30
    periodSeconds: 10
    timeoutSeconds: 5
    failureThreshold: 3
  readinessProbe:
    tcpSocket: {port: 3306}
    periodSeconds: 7
)"));
  const json& liveness = container(pod)["livenessProbe"];
  EXPECT_FALSE(liveness.contains("exec"));
  EXPECT_EQ(liveness["httpGet"]["path"], "/live");
  EXPECT_EQ(liveness["httpGet"]["port"], "probes");
  EXPECT_EQ(liveness["initialDelaySeconds"], 30);
  EXPECT_EQ(liveness["failureThreshold"], 3);
  const json& readiness = container(pod)["readinessProbe"];
  EXPECT_FALSE(readiness.contains("tcpSocket"));
  EXPECT_EQ(readiness["httpGet"]["path"], "/ready");
  EXPECT_EQ(readiness["periodSeconds"], 7);
  EXPECT_EQ(container(pod)["startupProbe"]["httpGet"]["path"], "/startup");
}

TEST(NodePodTest, TheTemplateHashFollowsThePodSpecButNotTheRole) {
  const json plain = stored_mariadb("  replicas: 3\n  galera: {enabled: true}\n");
  const json other_image =
      stored_mariadb("  replicas: 3\n  image: mariadb:11.4\n  galera: {enabled: true}\n");
  auto hash = [](const json& pod) {
    return pod["metadata"]["annotations"][kPodTemplateHashAnnotation].get<std::string>();
  };
  EXPECT_EQ(hash(pod_of(plain, 1, NodeRole::kPrimary)), hash(pod_of(plain, 1)));
  EXPECT_NE(hash(pod_of(plain)), hash(pod_of(other_image)));
  EXPECT_EQ(pod_of(plain, 1, NodeRole::kPrimary)["metadata"]["labels"][kRoleLabel], "primary");
}

TEST(NodePodTest, APodIsOutdatedWhenItsTemplateHashIsNotTheRenderedOnesUnlessItIsGoing) {
  const json plain = stored_mariadb("  replicas: 3\n  galera: {enabled: true}\n");
  const json other_image =
      stored_mariadb("  replicas: 3\n  image: mariadb:11.4\n  galera: {enabled: true}\n");
  json stored = pod_of(plain);
  stored["metadata"]["uid"] = "1234";  // what the API server adds changes nothing
  EXPECT_FALSE(pod_template_outdated(stored, pod_of(plain, 1, NodeRole::kPrimary)));
  EXPECT_TRUE(pod_template_outdated(stored, pod_of(other_image)));
  json going = stored;
  going["metadata"]["deletionTimestamp"] = "2026-12-03T10:00:00Z";
  EXPECT_FALSE(pod_template_outdated(going, pod_of(other_image)));
  // A pod without our annotation (made by hand, or by another tool) is outdated; a pod whose
  // shape is not a pod's is judged without a throw.
  json bare = stored;
  bare["metadata"].erase("annotations");
  EXPECT_TRUE(pod_template_outdated(bare, pod_of(plain)));
  EXPECT_TRUE(pod_template_outdated(json("not a pod"), pod_of(plain)));
  EXPECT_TRUE(pod_template_outdated(json{{"metadata", {{"annotations", 7}}}}, pod_of(plain)));
}

TEST(NodePodTest, OurLabelsWinOverPodMetadataSoTheServicesStillSelectThePod) {
  const json pod = pod_of(stored_mariadb(
      "  replicas: 3\n  galera: {enabled: true}\n"
      "  podMetadata: {labels: {app.kubernetes.io/instance: other, k8s.mariadb.com/role: x}}\n"));
  EXPECT_EQ(pod["metadata"]["labels"]["app.kubernetes.io/instance"], "galera");
  EXPECT_EQ(pod["metadata"]["labels"][kRoleLabel], "secondary");
}

}  // namespace
}  // namespace mdbop
