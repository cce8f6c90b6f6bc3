// mdbop's Helm chart (deploy/chart) checked by a real helm against a real kube-apiserver: it
// renders exactly what `kubectl apply -k deploy/` installs (its files are deploy/'s own), lints
// clean, refuses values that are not what their field may be, and, packaged, installs into the
// release's namespace a working whole: the objects there, and RBAC that lets the operator's
// service account of that namespace do its work.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/manifest.h"
#include "harness.h"
#include "kube_control_plane.h"

namespace mdbop::testing {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

const std::string kChart = std::string(MDBOP_SOURCE_DIR) + "/deploy/chart";

// The objects of a multi-document YAML text, ordered by kind, namespace and name.
std::vector<json> objects_of(const std::string& text) {
  auto documents = decode_yaml_documents(text);
  EXPECT_TRUE(documents) << documents.error().what();
  std::vector<json> objects;
  if (!documents) return objects;
  for (json& document : *documents) {
    if (document.is_object()) objects.push_back(std::move(document));
  }
  const auto key = [](const json& object) {
    const json metadata = object.value("metadata", json::object());
    return std::make_tuple(object.value("kind", ""), metadata.value("namespace", ""),
                           metadata.value("name", ""));
  };
  std::sort(objects.begin(), objects.end(),
            [&](const json& a, const json& b) { return key(a) < key(b); });
  return objects;
}

// What `kubectl auth can-i` answers for the operator's service account of `namespace_`.
std::string operator_can(KubeControlPlane& kube, const std::string& namespace_,
                         const std::vector<std::string>& what) {
  std::vector<std::string> args = {"auth", "can-i"};
  args.insert(args.end(), what.begin(), what.end());
  args.push_back("--as=system:serviceaccount:" + namespace_ + ":mdbop-operator");
  const KubectlResult answer = kube.kubectl(args);
  return answer.out.substr(0, answer.out.find('\n'));
}

TEST(KubernetesHelm,
     TheChartIsDeployInTheReleasesNamespaceAndRefusesValuesThatAreNotWhatTheyMayBe) {
  KubeControlPlane kube;
  ASSERT_TRUE(kube.ready());

  const KubectlResult lint = kube.helm({"lint", "--strict", kChart});
  EXPECT_EQ(lint.exit_code, 0) << lint.out << lint.err;

  // Rendered for deploy/'s namespace with its defaults, the chart is what kustomize gives of
  // deploy/ (the image of its kustomization included), but the Namespace, which the release's is.
  const KubectlResult rendered =
      kube.helm({"template", "mdbop", kChart, "--namespace", "mdbop-system", "--include-crds"});
  ASSERT_EQ(rendered.exit_code, 0) << rendered.err;
  std::vector<json> kustomized =
      objects_of(kube.must_kubectl({"kustomize", std::string(MDBOP_SOURCE_DIR) + "/deploy"}));
  std::erase_if(kustomized, [](const json& object) { return object["kind"] == "Namespace"; });
  ASSERT_FALSE(kustomized.empty());
  EXPECT_EQ(objects_of(rendered.out), kustomized);

  // Values are written into YAML: one that is not what its field may be is refused, naming it.
  const std::vector<std::pair<std::vector<std::string>, std::string>> refusals = {
      {{"--set", "image.pullPolicy=Sometimes"}, "/image/pullPolicy"},
      {{"--set-string", "image.repository=registry.example/mdbop\nkind: Secret"},
       "/image/repository"},
      {{"--set-string", "image.tag=1.0\n  privileged: true"}, "/image/tag"},
      {{"--set", "replicas=3"}, "'replicas' not allowed"},
      {{"--namespace", "default"}, "a namespace of its own"}};
  for (const auto& [values, field] : refusals) {
    std::vector<std::string> args = {"template", "mdbop", kChart};
    args.insert(args.end(), values.begin(), values.end());
    const KubectlResult refused = kube.helm(args);
    EXPECT_NE(refused.exit_code, 0) << values.back();
    EXPECT_NE(refused.err.find(field), std::string::npos) << values.back() << ": " << refused.err;
  }

  // Packaged (the links to deploy/'s files become the files), then installed from the package
  // into a namespace of its own, with an image of the user's.
  const KubectlResult packaged =
      kube.helm({"package", kChart, "--destination", kube.directory().string()});
  ASSERT_EQ(packaged.exit_code, 0) << packaged.err;
  const KubectlResult installed =
      kube.helm({"install", "mdbop", (kube.directory() / "mdbop-0.1.0.tgz").string(), "--namespace",
                 "databases", "--create-namespace", "--set",
                 "image.repository=registry.example:5000/team/mdbop", "--set", "image.tag=1.2.3",
                 "--set", "image.pullPolicy=Always"});
  ASSERT_EQ(installed.exit_code, 0) << installed.out << installed.err;
  kube.must_kubectl({"wait", "--for=condition=Established", "crd", "--all", "--timeout=60s"});
  for (const json& object : kustomized) {
    if (object["kind"] == "CustomResourceDefinition") {
      EXPECT_EQ(kube.kubectl({"get", "crd", object["metadata"]["name"]}).exit_code, 0)
          << object["metadata"]["name"];
    }
  }
  const json deployment = json::parse(
      kube.must_kubectl({"-n", "databases", "get", "deployment", "mdbop-operator", "-o", "json"}));
  const json& pod_spec = deployment["spec"]["template"]["spec"];
  EXPECT_EQ(pod_spec["containers"][0]["image"], "registry.example:5000/team/mdbop:1.2.3");
  EXPECT_EQ(pod_spec["containers"][0]["imagePullPolicy"], "Always");
  EXPECT_EQ(pod_spec["serviceAccountName"], "mdbop-operator");
  const json webhook = json::parse(
      kube.must_kubectl({"get", "validatingwebhookconfiguration", "mdbop", "-o", "json"}));
  EXPECT_EQ(webhook["webhooks"][0]["clientConfig"]["service"]["namespace"], "databases");
  kube.must_kubectl({"-n", "databases", "get", "service", "mdbop-webhook"});
  // The operator's account of that namespace may do its work: everywhere what it reconciles,
  // and its Lease in its own namespace only. (The API server's authorizer learns of new
  // bindings from a watch: a moment after they are stored.)
  for (const std::vector<std::string>& allowed : std::vector<std::vector<std::string>>{
           {"watch", "mariadbs.k8s.mariadb.com", "-A"},
           {"create", "pods", "-n", "default"},
           {"update", "leases/mdbop-operator", "-n", "databases"}}) {
    EXPECT_TRUE(eventually([&] { return operator_can(kube, "databases", allowed) == "yes"; }, 30s))
        << allowed[0] << " " << allowed[1];
  }
  EXPECT_EQ(operator_can(kube, "databases", {"update", "leases/mdbop-operator", "-n", "default"}),
            "no");
  EXPECT_EQ(operator_can(kube, "databases", {"list", "secrets", "-n", "default"}), "no");

  // Uninstalled, its objects are gone; the CRDs stay (Helm never deletes a chart's crds/: they
  // hold the users' MariaDBs and backups).
  const KubectlResult uninstalled = kube.helm({"uninstall", "mdbop", "--namespace", "databases"});
  ASSERT_EQ(uninstalled.exit_code, 0) << uninstalled.err;
  EXPECT_NE(kube.kubectl({"-n", "databases", "get", "deployment", "mdbop-operator"}).exit_code, 0);
  EXPECT_NE(kube.kubectl({"get", "validatingwebhookconfiguration", "mdbop"}).exit_code, 0);
  kube.must_kubectl({"get", "crd", "mariadbs.k8s.mariadb.com"});
}

}  // namespace
}  // namespace mdbop::testing
