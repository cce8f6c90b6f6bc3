#include "util/random_password.h"

#include <gtest/gtest.h>

#include <cstring>

namespace mdbop {
namespace {

TEST(RandomPassword, HasTheLengthAndAlphabet) {
  auto password = random_password(24);
  ASSERT_TRUE(password) << password.error().what();
  EXPECT_EQ(password->size(), 24u);
  EXPECT_EQ(
      password->find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"),
      std::string::npos);
  EXPECT_NE(*password, *random_password(24));
}

TEST(RandomPassword, FailedRandomnessIsAnErrorNotAPassword) {
  auto password = random_password(24, [](unsigned char* out, size_t size) {
    std::memset(out, 0, size);  // what a failed read left behind: AAAA...
    return false;
  });
  ASSERT_FALSE(password);
  EXPECT_NE(password.error().what().find("RAND_bytes"), std::string::npos);
}

// 255 would be 'H' with a plain modulo (255 % 62 = 7), favouring the first characters;
// such bytes are drawn again.
TEST(RandomPassword, BytesThatWouldBiasAreDrawnAgain) {
  auto password = random_password(8, [](unsigned char* out, size_t size) {
    for (size_t i = 0; i < size; ++i) out[i] = i % 2 == 0 ? 255 : 63;  // 63 % 62 = 1: 'B'
    return true;
  });
  ASSERT_TRUE(password);
  EXPECT_EQ(*password, "BBBBBBBB");
}

}  // namespace
}  // namespace mdbop
