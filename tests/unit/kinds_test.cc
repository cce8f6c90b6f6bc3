#include "api/kinds.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace mdbop {
namespace {

std::string kind_of(const std::string& word) {
  auto k = resolve_kind(word);
  return k ? k->kind : "error: " + k.error().message;
}

TEST(ResolveKind, AcceptsSingularPluralAndShortNamesInAnyCase) {
  for (const char* word : {"MariaDB", "mariadb", "MARIADB", "mariadbs", "MariaDBs", "mdb", "MDB"}) {
    EXPECT_EQ(kind_of(word), "MariaDB") << word;
  }
  for (const char* word : {"backup", "Backups", "bmdb"}) EXPECT_EQ(kind_of(word), "Backup") << word;
  for (const char* word : {"physicalbackup", "PhysicalBackups", "pbmdb"}) {
    EXPECT_EQ(kind_of(word), "PhysicalBackup") << word;
  }
  for (const char* word : {"restore", "restores", "rmdb"})
    EXPECT_EQ(kind_of(word), "Restore") << word;
  for (const char* word : {"secret", "Secrets"}) EXPECT_EQ(kind_of(word), "Secret") << word;
  for (const char* word : {"configmap", "ConfigMaps", "cm"}) {
    EXPECT_EQ(kind_of(word), "ConfigMap") << word;
  }
}

TEST(ResolveKind, PodsAreARuntimeViewButResolve) {
  for (const char* word : {"pod", "pods", "po", "Pod"}) {
    auto k = resolve_kind(word);
    ASSERT_TRUE(k) << word;
    EXPECT_EQ(k->kind, "Pod");
    EXPECT_EQ(k->api_version, "v1");
    EXPECT_EQ(k->plural, "pods");
  }
}

TEST(ResolveKind, UnknownWordListsTheKinds) {
  auto k = resolve_kind("deployment");
  ASSERT_FALSE(k);
  EXPECT_NE(k.error().message.find("unknown kind \"deployment\""), std::string::npos);
  EXPECT_NE(k.error().message.find("mariadb"), std::string::npos);
  EXPECT_FALSE(resolve_kind(""));
  EXPECT_FALSE(resolve_kind("maria"));
}

TEST(KnownKinds, ApiVersionsMatchTheOperatorAndCoreGroups) {
  EXPECT_EQ(resolve_kind("mariadb")->api_version, "k8s.mariadb.com/v1alpha1");
  EXPECT_EQ(resolve_kind("backup")->api_version, "k8s.mariadb.com/v1alpha1");
  EXPECT_EQ(resolve_kind("physicalbackup")->api_version, "k8s.mariadb.com/v1alpha1");
  EXPECT_EQ(resolve_kind("restore")->api_version, "k8s.mariadb.com/v1alpha1");
  EXPECT_EQ(resolve_kind("secret")->api_version, "v1");
  EXPECT_EQ(resolve_kind("configmap")->api_version, "v1");
}

TEST(KnownKinds, EveryNameResolvesToItsOwnKindOnly) {
  std::set<std::string> seen;
  for (const KindInfo& k : known_kinds()) {
    std::vector<std::string> names = k.short_names;
    names.push_back(k.kind);
    names.push_back(k.plural);
    for (const std::string& name : names) {
      EXPECT_EQ(kind_of(name), k.kind) << name;
      EXPECT_TRUE(seen.insert(name).second || name == k.kind) << name << " is used twice";
    }
  }
}

}  // namespace
}  // namespace mdbop
