// ServiceMonitor and PrometheusRule objects (monitoring.coreos.com/v1) in a manifest are set
// aside with a note instead of refusing the file; any other unknown kind still refuses it.
#include "api/skipped_kinds.h"

#include <gtest/gtest.h>

#include <fstream>

#include "api/manifest.h"
#include "cli/commands.h"
#include "manifest_test_util.h"
#include "temp_dir_test.h"

namespace mdbop {
namespace {

const std::string kServiceMonitor = R"(apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: galera
spec:
  selector: {matchLabels: {app: galera}}
  endpoints: [{port: metrics}]
)";

const std::string kMariaDB = R"(apiVersion: k8s.mariadb.com/v1alpha1
kind: MariaDB
metadata:
  name: galera
spec:
  replicas: 3
  galera:
    enabled: true
)";

TEST(SkipNote, NamesServiceMonitorsAndPrometheusRules) {
  EXPECT_EQ(skip_note(parse_one(kServiceMonitor)),
            "servicemonitor.monitoring.coreos.com/galera skipped: monitoring.coreos.com objects "
            "are for a Prometheus operator on Kubernetes; see docs/monitoring.md");
  const auto note = skip_note(parse_one(
      "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata: {name: mdbop}\n"));
  ASSERT_TRUE(note);
  EXPECT_TRUE(HasText(*note, "prometheusrule.monitoring.coreos.com/mdbop skipped: "));
}

TEST(SkipNote, OnlyThoseTwoKindsOfThatApiVersion) {
  for (const char* yaml :
       {"apiVersion: monitoring.coreos.com/v1\nkind: PodMonitor\nmetadata: {name: x}\n",
        "apiVersion: monitoring.coreos.com/v1alpha1\nkind: ServiceMonitor\nmetadata: {name: x}\n",
        "apiVersion: v1\nkind: ServiceMonitor\nmetadata: {name: x}\n",
        "kind: PrometheusRule\nmetadata: {name: x}\n",
        "apiVersion: monitoring.coreos.com/v1\nkind: [PrometheusRule]\n"}) {
    EXPECT_FALSE(skip_note(parse_one(yaml))) << yaml;
  }
  EXPECT_FALSE(skip_note(parse_one(kMariaDB)));
  EXPECT_FALSE(skip_note(json::array({1})));
}

TEST(SkipNote, ShowsAnUnprintableNameEscapedAndAMissingOneAsUnnamed) {
  EXPECT_TRUE(
      HasText(*skip_note(parse_one("apiVersion: monitoring.coreos.com/v1\n"
                                   "kind: ServiceMonitor\nmetadata: {name: \"a\\x1Bb\"}\n")),
              "servicemonitor.monitoring.coreos.com/a\\x1Bb skipped"));
  EXPECT_TRUE(
      HasText(*skip_note(parse_one("apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\n")),
              "servicemonitor.monitoring.coreos.com/(unnamed) skipped"));
}

TEST(ValidateBatch, LeavesSkippedKindsOutAndCountsPlacesOverTheWholeBatch) {
  auto accepted = validate_batch({parse_one(kServiceMonitor), parse_one(kMariaDB)});
  ASSERT_TRUE(accepted);
  ASSERT_EQ(accepted->size(), 1u);
  EXPECT_EQ((*accepted)[0]["kind"], "MariaDB");
  // An unnamed invalid object is named by its place among all documents, skipped ones too.
  auto refused = validate_batch({parse_one(kServiceMonitor), parse_one("kind: MariaDB\n")});
  ASSERT_FALSE(refused);
  EXPECT_TRUE(HasText(refused.error().at(0).field, "object 2"));
}

class LoadManifests : public TempDirTest {
 protected:
  std::string write(const std::string& name, const std::string& text) {
    const auto path = dir_ / name;
    std::ofstream(path) << text;
    return path.string();
  }
};

TEST_F(LoadManifests, AppliesTheRestAndNotesTheSkippedOnes) {
  auto loaded = load_manifests({write("m.yaml", kMariaDB + "---\n" + kServiceMonitor)});
  ASSERT_TRUE(loaded) << loaded.error().what();
  ASSERT_EQ(loaded->objects.size(), 1u);
  EXPECT_EQ(loaded->objects[0]["kind"], "MariaDB");
  ASSERT_EQ(loaded->skipped.size(), 1u);
  EXPECT_TRUE(HasText(loaded->skipped[0], "servicemonitor.monitoring.coreos.com/galera skipped"));
}

TEST_F(LoadManifests, AFileOfSkippedObjectsOnlyIsNoError) {
  auto loaded = load_manifests({write("rule.yaml", kServiceMonitor)});
  ASSERT_TRUE(loaded) << loaded.error().what();
  EXPECT_TRUE(loaded->objects.empty());
  EXPECT_EQ(loaded->skipped.size(), 1u);
}

TEST_F(LoadManifests, TheShippedPrometheusRuleIsSkipped) {
  auto loaded = load_manifests(
      {std::string(MDBOP_SOURCE_DIR) + "/monitoring/prometheus/mdbop-prometheusrule.yaml"});
  ASSERT_TRUE(loaded) << loaded.error().what();
  EXPECT_TRUE(loaded->objects.empty());
  EXPECT_EQ(loaded->skipped, std::vector<std::string>{
                                 "prometheusrule.monitoring.coreos.com/mdbop skipped: "
                                 "monitoring.coreos.com objects are for a Prometheus operator on "
                                 "Kubernetes; see docs/monitoring.md"});
}

TEST_F(LoadManifests, AnotherUnknownKindStillRefusesTheWholeFile) {
  auto loaded = load_manifests({write(
      "m.yaml", kMariaDB + "---\n" + kServiceMonitor +
                    "---\napiVersion: monitoring.coreos.com/v1\nkind: PodMonitor\nmetadata:\n"
                    "  name: galera\n")});
  ASSERT_FALSE(loaded);
  EXPECT_TRUE(HasText(loaded.error().what(), "nothing was applied"));
  EXPECT_TRUE(HasText(loaded.error().what(), "unknown kind \"PodMonitor\""));
}

}  // namespace
}  // namespace mdbop
