// A fixture that gives each test a fresh directory under /tmp and removes it afterwards.
#pragma once

#include <stdlib.h>

#include <filesystem>

#include <gtest/gtest.h>

namespace mdbop {

class TempDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/mdbop-unit-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
};

}  // namespace mdbop
