// mdbop installed into a real kube-apiserver as a user installs it (`kubectl apply -k deploy/`:
// CRDs, RBAC, the webhook, the operator's Deployment), and the validating admission webhook,
// served by an operator with --kubernetes and called by the API server: kubectl apply refuses
// what mdbop apply refuses, with mdbop's message, and accepts what it accepts; the operator made
// the certificate and put its CA into the configuration (caBundle) itself.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "harness.h"
#include "kube/kube_config.h"
#include "kube/own_pod_image.h"
#include "kube_control_plane.h"
#include "util/curl_transport.h"

namespace mdbop::testing {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

const char* const kRefused = R"(apiVersion: k8s.mariadb.com/v1alpha1
kind: MariaDB
metadata:
  name: refused
spec:
  rootPasswordSecretKeyRef: {name: root, key: password}
  replicas: 3
  galera: {enabled: true}
  storage: {size: 1Gi}
  tls: {enabled: true}
)";

const char* const kAccepted = R"(apiVersion: k8s.mariadb.com/v1alpha1
kind: Backup
metadata:
  name: accepted
spec:
  mariaDbRef: {name: elsewhere}
  storage: {volume: {hostPath: {path: /tmp/mdbop-webhook-test-backups}}}
)";

// The configuration a Service would serve in a cluster, pointed at this machine's operator.
std::string webhook_configuration(int port) {
  return "apiVersion: admissionregistration.k8s.io/v1\n"
         "kind: ValidatingWebhookConfiguration\n"
         "metadata: {name: mdbop}\n"
         "webhooks:\n"
         "  - name: validate.mdbop.k8s.mariadb.com\n"
         "    admissionReviewVersions: [v1]\n"
         "    sideEffects: None\n"
         "    failurePolicy: Fail\n"
         "    timeoutSeconds: 10\n"
         "    clientConfig: {url: \"https://127.0.0.1:" +
         std::to_string(port) +
         "/validate\"}\n"
         "    rules:\n"
         "      - apiGroups: [k8s.mariadb.com]\n"
         "        apiVersions: [v1alpha1]\n"
         "        operations: [CREATE, UPDATE]\n"
         "        resources: [mariadbs, backups, physicalbackups, restores, "
         "pointintimerecoveries]\n";
}

// The Deployment as the API server holds it: two replicas under the service account of
// deploy/rbac, the container `operator` running `operator run --kubernetes --node-agents pod`
// with the webhook served, its pod's name given by the downward API. A pod of its template (no
// scheduler runs here: it stays Pending) is what the operator reads, with its service account's
// token, for the image its nodes' agents run; that is the image `images:` of deploy/ names.
void expect_the_operators_deployment(KubeControlPlane& kube) {
  const json deployment = json::parse(kube.must_kubectl(
      {"-n", "mdbop-system", "get", "deployment", "mdbop-operator", "-o", "json"}));
  EXPECT_EQ(deployment["spec"]["replicas"], 2);
  json pod_spec = deployment["spec"]["template"]["spec"];
  EXPECT_EQ(pod_spec["serviceAccountName"], "mdbop-operator");
  const json& container = pod_spec["containers"][0];
  EXPECT_EQ(container["name"], kOperatorContainer);
  EXPECT_EQ(container["image"], "registry.example/mdbop:0.1.0");
  const std::vector<std::string> args = container["args"];
  EXPECT_EQ(args, (std::vector<std::string>{"operator", "run", "--kubernetes", "--node-agents",
                                            "pod", "--webhook-bind-address", "0.0.0.0:9443",
                                            "--metrics-bind-address", "0.0.0.0:8080"}));
  EXPECT_EQ(container["env"][0]["name"], "POD_NAME");
  EXPECT_EQ(container["env"][0]["valueFrom"]["fieldRef"]["fieldPath"], "metadata.name");

  const json pod = {{"apiVersion", "v1"},
                    {"kind", "Pod"},
                    {"metadata", {{"name", "mdbop-operator-test"}, {"namespace", "mdbop-system"}}},
                    {"spec", pod_spec}};
  kube.must_kubectl({"apply", "-f", "-"}, pod.dump());
  auto config =
      load_kubeconfig(kube.service_account_kubeconfig("mdbop-system", "mdbop-operator"), "");
  ASSERT_TRUE(config) << config.error().what();
  const KubeClient client(*config, std::make_shared<CurlTransport>(config->ca_pem, config->client));
  auto image = own_pod_image(client, "mdbop-system", "mdbop-operator-test", kOperatorContainer);
  ASSERT_TRUE(image) << image.error().what();
  EXPECT_EQ(*image, "registry.example/mdbop:0.1.0");
  kube.must_kubectl({"-n", "mdbop-system", "delete", "pod", "mdbop-operator-test", "--wait=false"});
}

TEST(KubernetesWebhook, DeployInstallsAndKubectlRefusesWhatMdbopApplyRefusesWithItsMessage) {
  KubeControlPlane kube;
  ASSERT_TRUE(kube.ready());
  kube.must_kubectl({"apply", "-k", std::string(MDBOP_SOURCE_DIR) + "/deploy"});
  kube.must_kubectl({"wait", "--for=condition=Established", "crd", "--all", "--timeout=60s"});
  expect_the_operators_deployment(kube);
  // The installed configuration sends reviews to the Service of the operator's pods, which do
  // not run here: pointed at this machine's operator instead.
  const int port = free_loopback_port(20000, 31999);
  ASSERT_GT(port, 0);
  kube.must_kubectl({"apply", "-f", "-"}, webhook_configuration(port));

  Installation installation;
  const std::string address = "127.0.0.1:" + std::to_string(port);
  ASSERT_GT(installation.start_operator(
                {}, {"--kubernetes", "--kubeconfig",
                     kube.service_account_kubeconfig("mdbop-system", "mdbop-operator").string(),
                     "--webhook-bind-address", address}),
            0);
  ASSERT_TRUE(eventually(
      [&] {
        return !kube.kubectl({"get", "validatingwebhookconfiguration", "mdbop", "-o",
                              "jsonpath={.webhooks[0].clientConfig.caBundle}"})
                    .out.empty();
      },
      60s));

  // The schema accepts spec.tls; mdbop refuses it, and so does kubectl now, in mdbop's words.
  const CommandResult local = installation.mdbop({"apply", "-f", "-"}, kRefused);
  ASSERT_NE(local.exit_code, 0);
  const std::size_t issue = local.err.find("MariaDB/default/refused spec.tls.enabled");
  ASSERT_NE(issue, std::string::npos) << local.err;
  const std::string line = local.err.substr(issue, local.err.find('\n', issue) - issue);
  const KubectlResult refused = kube.kubectl({"apply", "-f", "-"}, kRefused);
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("denied the request"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find(line), std::string::npos) << refused.err << "\nmdbop: " << line;
  EXPECT_NE(kube.kubectl({"get", "mariadb", "refused"}).exit_code, 0)
      << "a refused object was stored";

  const KubectlResult accepted = kube.kubectl({"apply", "-f", "-"}, kAccepted);
  EXPECT_EQ(accepted.exit_code, 0) << accepted.err;
}

}  // namespace
}  // namespace mdbop::testing
