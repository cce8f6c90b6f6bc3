// The kubelet double's pod addresses and the hosts file nss_wrapper resolves pods' names with.
#include <gtest/gtest.h>

#include "kubelet_double/hosts_file.h"
#include "kubelet_double/pod_addresses.h"
#include "kubelet_double/pod_network.h"

namespace mdbop::kubelet {
namespace {

TEST(KubeletDoubleHostsTest, PodsWithHostnameAndSubdomainGetTheirServiceNames) {
  const std::string text = render_hosts_file({{"127.0.1.1", "web-0", "shop", "web-0", "web"},
                                              {"127.0.1.2", "client", "shop", "", ""},
                                              {"127.0.1.3", "half", "shop", "half", ""},
                                              {"", "no-address-yet", "shop", "", ""}});
  EXPECT_EQ(text,
            "127.0.0.1 localhost\n"
            "::1 localhost ip6-localhost ip6-loopback\n"
            "127.0.1.1 web-0.web.shop.svc.cluster.local web-0.web.shop.svc web-0\n"
            "127.0.1.2 client\n"
            "127.0.1.3 half\n");
}

TEST(KubeletDoubleAddressTest, EachPodHasItsOwnAddressUntilItIsGone) {
  PodAddressPool pool;
  EXPECT_EQ(pool.acquire("a"), "127.0.1.1");
  EXPECT_EQ(pool.acquire("b"), "127.0.1.2");
  EXPECT_EQ(pool.acquire("a"), "127.0.1.1");  // the one it holds
  pool.release("a");
  // A released address is the last to be taken again.
  EXPECT_EQ(pool.acquire("c"), "127.0.1.3");
  EXPECT_EQ(pod_address(253), "127.0.1.254");
  EXPECT_EQ(pod_address(254), "127.0.2.1");
  EXPECT_EQ(pod_address(kPodAddresses - 1), "127.0.255.254");
}

TEST(KubeletDoubleAddressTest, APodKeepsTheAddressItHadWhenItIsFree) {
  PodAddressPool pool;
  EXPECT_EQ(pool.acquire("found", "127.0.3.7"), "127.0.3.7");
  EXPECT_EQ(pool.acquire("other", "127.0.3.7"), "127.0.1.1");  // held: the next free one
  EXPECT_EQ(pool.acquire("foreign", "10.1.2.3"), "127.0.1.2");
  EXPECT_EQ(pool.acquire("edge", "127.0.0.1"), "127.0.1.3");
  EXPECT_EQ(pod_address_index("127.0.2.1"), 254u);
  EXPECT_EQ(pod_address_index("127.0.1.255"), std::nullopt);
  EXPECT_EQ(pod_address_index("127.0.01.1"), std::nullopt);
  EXPECT_EQ(pod_address_index("127.0.1.1x"), std::nullopt);
  EXPECT_EQ(pod_address_index(""), std::nullopt);
}

TEST(KubeletDoubleAddressTest, APodNetworkHandsOutItsOwnAddressesAndKnowsOnlyThem) {
  PodAddressPool pool("198.18");
  EXPECT_EQ(pool.acquire("a"), "198.18.1.1");
  EXPECT_EQ(pool.acquire("found", "198.18.3.7"), "198.18.3.7");
  // A loopback address from a run without the network is not the network's.
  EXPECT_EQ(pool.acquire("loopback", "127.0.3.8"), "198.18.1.2");
  EXPECT_EQ(pod_address_index("198.18.2.1", "198.18"), 254u);
  EXPECT_EQ(pod_address_index("198.181.2.1", "198.18"), std::nullopt);
  EXPECT_EQ(pod_address_index("198.1.1.1", "198.18"), std::nullopt);
  EXPECT_EQ(pod_address(kPodAddresses - 1, "198.18"), "198.18.255.254");
}

// Only the benchmarking range, which no real network uses: a local route to a /16 of 10/8 could
// cut a machine off from its own network's hosts.
TEST(KubeletDoubleAddressTest, OnlyTheBenchmarkingRangeMayBeMadeLocal) {
  EXPECT_TRUE(valid_pod_network("198.18"));
  EXPECT_TRUE(valid_pod_network("198.19"));
  for (const char* refused :
       {"10.251", "198.20", "198.1", "192.168", "127.0", "198.18.0", "198", "198.x", ""}) {
    EXPECT_FALSE(valid_pod_network(refused)) << refused;
  }
}

TEST(KubeletDoubleAddressTest, AddressesComeBackAroundOnlyWhenFree) {
  PodAddressPool pool;
  for (std::uint32_t i = 0; i < kPodAddresses; ++i) {
    ASSERT_TRUE(pool.acquire("pod-" + std::to_string(i)));
  }
  EXPECT_EQ(pool.acquire("one-too-many"), std::nullopt);
  pool.release("pod-7");
  EXPECT_EQ(pool.acquire("new"), pod_address(7));
}

}  // namespace
}  // namespace mdbop::kubelet
