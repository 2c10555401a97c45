// ember's generator reproduces PyTorch 1.13's CPU generator bit for bit. Every expected
// value below was printed (as float.hex) by PyTorch 1.13 running the Python line in the
// comment above it, with torch.set_num_threads(1).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "helpers.hpp"
#include "ops/random_box_muller.hpp"

using ember::Tensor;
namespace nn = ember::nn;
namespace init = ember::nn::init;
namespace F = ember::nn::functional;
using Vec = std::vector<double>;
using testing::values;

namespace {
// rand_f32: torch.manual_seed(0); r = torch.rand(6)
const Vec rand_f32 = {0x1.fc2ab00000000p-2, 0x1.89545e0000000p-1, 0x1.6a67500000000p-4, 0x1.0e66000000000p-3, 0x1.3acd0c0000000p-2, 0x1.44a5f60000000p-1};
// rand_f64: torch.manual_seed(0); r = torch.rand(6, dtype=torch.float64)
const Vec rand_f64 = {0x1.f0aac97c4aa2fp-1, 0x1.6a675d821ccc0p-1, 0x1.d6687b744a5f6p-2, 0x1.d76c3d8e57d67p-1, 0x1.4a4099fa1ded3p-1, 0x1.951156266d6f2p-1};
// uniform_f32: torch.manual_seed(1); r = torch.empty(7).uniform_(-2.5, 3.7)
const Vec uniform_f32 = {0x1.1941a40000000p+1, -0x1.895b060000000p-1, -0x1.fcea520000000p-11, 0x1.070baa0000000p+1, -0x1.28c31c0000000p+1, 0x1.3ac48e0000000p+1, -0x1.353c700000000p-5};
// uniform_f64: torch.manual_seed(1); r = torch.empty(7, dtype=torch.float64).uniform_(-2.5, 3.7)
const Vec uniform_f64 = {-0x1.0f8c51ab791c7p+1, -0x1.1b964b585c121p+0, -0x1.0c31c4d853b71p+0, -0x1.66e879a5c87cap+0, 0x1.e52eb43853a74p-1, -0x1.d24a6c5460670p+0, 0x1.6e3e668fbddd8p-2};
// randn_f32_small: torch.manual_seed(0); a = torch.randn(3); r = torch.cat([a, torch.randn(3)])
const Vec randn_f32_small = {0x1.8a7eb80000000p+0, -0x1.2c78a00000000p-2, -0x1.16e2920000000p+1, 0x1.23096c0000000p-1, -0x1.15a3420000000p+0, -0x1.660a5a0000000p+0};
// randn_f64_small: torch.manual_seed(0); a = torch.randn(5, dtype=torch.float64); r = torch.cat([a, torch.randn(2, dtype=torch.float64)])
const Vec randn_f64_small = {0x1.8a7eb8902be3ap+0, -0x1.2c78a087c6feap-2, -0x1.16e2920a70ee5p+1, 0x1.23096ca3e350dp-1, -0x1.15a341987e136p+0, -0x1.660a590b74404p+0, 0x1.9d06f4be0cd62p-2};
// randn_f32_20: torch.manual_seed(2); r = torch.randn(20)
const Vec randn_f32_20 = {-0x1.0a71f20000000p+0, 0x1.d54d240000000p-1, -0x1.4ddf6c0000000p+0, -0x1.1c13e20000000p+0, 0x1.ea25900000000p-6, -0x1.9845f00000000p-5, 0x1.10a8f20000000p+0, 0x1.c5a69a0000000p-1, -0x1.9f39940000000p-1, 0x1.58e8ae0000000p-1, -0x1.1f90c40000000p+0, -0x1.7865c20000000p-4, 0x1.1fb2200000000p-3, 0x1.1e7d700000000p+0, 0x1.42cc100000000p-2, 0x1.c0b5f60000000p+0, -0x1.7aa89a0000000p-1, -0x1.3e11560000000p+0, -0x1.66e7680000000p-3, 0x1.65de360000000p-1};
// randn_f32_32: torch.manual_seed(2); r = torch.randn(32)
const Vec randn_f32_32 = {-0x1.0a71f20000000p+0, 0x1.d54d240000000p-1, -0x1.4ddf6c0000000p+0, -0x1.1c13e20000000p+0, -0x1.3801d80000000p+0, 0x1.2ae7560000000p+0, -0x1.0eb1400000000p+0, -0x1.e6c41e0000000p-4, -0x1.d0d0620000000p-1, 0x1.6181f00000000p-2, -0x1.2485e00000000p-1, -0x1.e180ca0000000p-3, 0x1.01f26a0000000p+0, -0x1.8179ae0000000p-1, -0x1.cccc620000000p-3, -0x1.bb120c0000000p-2, -0x1.81d42e0000000p+0, -0x1.d590f60000000p-2, -0x1.b22d240000000p-1, 0x1.0d9f160000000p-1, 0x1.ea25900000000p-6, -0x1.9845f00000000p-5, 0x1.10a8f20000000p+0, 0x1.c5a69a0000000p-1, 0x1.db27a20000000p-2, -0x1.fe99820000000p-2, 0x1.07e9b00000000p-3, 0x1.61ac2c0000000p+1, 0x1.1fb2200000000p-3, 0x1.1e7d700000000p+0, 0x1.42cc100000000p-2, 0x1.c0b5f60000000p+0};
// randn_f64_21: torch.manual_seed(3); r = torch.randn(21, dtype=torch.float64)
const Vec randn_f64_21 = {-0x1.bdf3141b77690p-3, 0x1.2c650f1ce0778p-3, 0x1.5691ccfd20441p-1, -0x1.073b469ed07e6p-1, -0x1.960229de370d5p+0, -0x1.22fd442498a6ap-2, 0x1.57f36ae91fd8bp-3, 0x1.84201715d87bcp-1, 0x1.14145507c1061p+0, 0x1.5fe189cf5ef1cp-2, 0x1.708ceca3ecd29p-1, 0x1.a946c63c00209p-1, 0x1.046e47f0851bap-1, -0x1.3998a41aaac51p+0, -0x1.1431260ac76f8p-2, 0x1.a11d054c8d713p-3, 0x1.d71644d19eb06p-6, 0x1.f082dd2c78969p-3, 0x1.917f07fe86257p-1, -0x1.ff30b031e3708p-1, 0x1.2fa0d7d3e5d39p+0};
// normal_f32_17: torch.manual_seed(4); r = torch.empty(17).normal_(1.5, 0.25)
const Vec normal_f32_17 = {0x1.43bfd40000000p+0, 0x1.553c3e0000000p+0, 0x1.80326c0000000p+0, 0x1.762c460000000p+0, 0x1.c8ef760000000p+0, 0x1.71449c0000000p+0, 0x1.cc03d00000000p+0, 0x1.b122940000000p+0, 0x1.52741e0000000p+0, 0x1.7423560000000p+0, 0x1.493ab80000000p+0, 0x1.70fbaa0000000p+0, 0x1.6505aa0000000p+0, 0x1.b653560000000p+0, 0x1.54a2980000000p+0, 0x1.438ca40000000p+0, 0x1.056f480000000p+1};
// normal_f32_5: torch.manual_seed(4); r = torch.empty(5).normal_(1.5, 0.25)
const Vec normal_f32_5 = {0x1.1943280000000p+0, 0x1.8ee10c0000000p+0, 0x1.07ad040000000p+1, 0x1.b63a100000000p+0, 0x1.ccd75c0000000p+0};
// normal_f64_16: torch.manual_seed(4); r = torch.empty(16, dtype=torch.float64).normal_(-1.0, 3.0)
const Vec normal_f64_16 = {0x1.a93e78e631e8ep+0, -0x1.69fa40e3b6384p+2, -0x1.138c47df9e332p-1, 0x1.c5d3f52566d59p+1, -0x1.cb3ec897efe8bp+2, 0x1.65f2a4c62fe50p+1, -0x1.f808aa53615e8p+1, -0x1.db1adbf58c876p+1, 0x1.246cdd88c948cp+0, 0x1.a89c060612c3ap-2, -0x1.3754fdcff5410p-4, -0x1.a4104b44b7fc6p+2, 0x1.74a4f68cede40p+1, -0x1.c80e5451f86bcp-1, -0x1.eeb56e5913f6ap+0, 0x1.a39839d626dc0p+1};
// randint_small: torch.manual_seed(5); r = torch.randint(-3, 10, (12,))
const Vec randint_small = {-0x1.0000000000000p+1, -0x1.0000000000000p+0, 0x1.8000000000000p+2, 0x1.0000000000000p+0, -0x1.0000000000000p+0, 0x0.0p+0, 0x1.0000000000000p+1, 0x1.0000000000000p+3, 0x1.8000000000000p+1, 0x1.0000000000000p+3, 0x1.8000000000000p+1, -0x1.0000000000000p+1};
// randint_wide: torch.manual_seed(5); r = torch.randint(-7, 2**40, (4,))
const Vec randint_wide = {0x1.8c3249e3e8000p+38, 0x1.df9d73191a000p+39, 0x1.ccb756d744000p+39, 0x1.21e89d835e000p+39};
// randint_f32: torch.manual_seed(5); r = torch.randint(0, 1000, (5,), dtype=torch.float32)
const Vec randint_f32 = {0x1.9b00000000000p+8, 0x1.9700000000000p+9, 0x1.7f80000000000p+9, 0x1.ba80000000000p+9, 0x1.8000000000000p+2};
// linear_w: torch.manual_seed(0); m = torch.nn.Linear(3, 4); r = m.weight
const Vec linear_w = {-0x1.1b47d00000000p-8, 0x1.3d26260000000p-2, -0x1.e696fc0000000p-2, -0x1.b317920000000p-2, -0x1.c769620000000p-3, 0x1.3d12a60000000p-3, -0x1.76d6800000000p-7, 0x1.d4c2f40000000p-2, -0x1.a3ba840000000p-5, 0x1.38e1a40000000p-3, -0x1.65573c0000000p-3, -0x1.d0d7d40000000p-4};
// linear_b: torch.manual_seed(0); m = torch.nn.Linear(3, 4); r = m.bias
const Vec linear_b = {-0x1.1a677a0000000p-1, -0x1.878bac0000000p-2, -0x1.e76b080000000p-3, 0x1.5e68100000000p-6};
// conv_w: torch.manual_seed(1); m = torch.nn.Conv2d(2, 3, 3); r = m.weight
const Vec conv_w = {0x1.f174320000000p-4, -0x1.aa1f660000000p-4, -0x1.7652680000000p-5, 0x1.c525580000000p-4, -0x1.c672e20000000p-3, 0x1.217e940000000p-3, -0x1.8d3abc0000000p-5, 0x1.eb28ee0000000p-4, 0x1.0c6c940000000p-5, -0x1.d8d9240000000p-6, 0x1.0bc63c0000000p-4, 0x1.7d037e0000000p-7, 0x1.609ac60000000p-4, -0x1.783b480000000p-4, -0x1.198e1a0000000p-6, -0x1.5ba9a60000000p-6, 0x1.17de4c0000000p-5, -0x1.eda9e60000000p-11, 0x1.a5f9ea0000000p-3, 0x1.2c6f2e0000000p-4, -0x1.6788da0000000p-4, -0x1.238b0c0000000p-3, -0x1.43a5000000000p-5, -0x1.a06e9a0000000p-4, -0x1.355f680000000p-4, 0x1.71d02c0000000p-7, 0x1.1fc3000000000p-3, 0x1.0660040000000p-3, -0x1.d7e1b20000000p-3, 0x1.2b3f360000000p-3, 0x1.0db5440000000p-4, 0x1.c9e2900000000p-3, 0x1.3e9f760000000p-3, -0x1.b7d2a20000000p-3, -0x1.caf8fa0000000p-3, -0x1.d1a9380000000p-4, 0x1.a7e16a0000000p-3, -0x1.419fa20000000p-5, 0x1.9d2aec0000000p-4, -0x1.c0a63c0000000p-4, 0x1.d9a6dc0000000p-3, -0x1.9879840000000p-4, 0x1.6a009a0000000p-3, 0x1.6dd5f00000000p-9, -0x1.fc9bd80000000p-4, 0x1.f03fa80000000p-4, -0x1.003c8e0000000p-3, 0x1.1bf07c0000000p-4, -0x1.16c6d80000000p-4, -0x1.a761540000000p-6, -0x1.d0145e0000000p-3, -0x1.cc4d6e0000000p-4, 0x1.05f0780000000p-3, -0x1.d559f20000000p-5};
// conv_b: torch.manual_seed(1); m = torch.nn.Conv2d(2, 3, 3); r = m.bias
const Vec conv_b = {0x1.e0cfb00000000p-3, 0x1.82f0fc0000000p-3, -0x1.69a4500000000p-7};
// xavier_u: torch.manual_seed(6); r = torch.nn.init.xavier_uniform_(torch.empty(3, 5), gain=1.5)
const Vec xavier_u = {0x1.8027300000000p-3, 0x1.1ea9fe0000000p-3, 0x1.43cb520000000p+0, 0x1.1f67ba0000000p-2, -0x1.60f6f00000000p-1, -0x1.0e68ae0000000p-3, 0x1.cfcf480000000p-2, 0x1.49e7360000000p-1, 0x1.3fd5120000000p-3, -0x1.ba75aa0000000p-1, -0x1.bb6a200000000p-2, -0x1.7718ba0000000p-4, 0x1.627ca60000000p-2, 0x1.6627ac0000000p-1, -0x1.7b81e60000000p-1};
// xavier_n: torch.manual_seed(6); r = torch.nn.init.xavier_normal_(torch.empty(4, 5))
const Vec xavier_n = {-0x1.245c020000000p-1, 0x1.30491c0000000p-2, -0x1.631cd40000000p-1, -0x1.4243300000000p-1, 0x1.193f2a0000000p-4, -0x1.628bb60000000p-2, -0x1.dc90f60000000p-2, 0x1.becf000000000p-1, 0x1.f23dbc0000000p-2, 0x1.8f04aa0000000p-2, 0x1.ca1caa0000000p-5, -0x1.2cce480000000p-2, 0x1.1871be0000000p-2, 0x1.57c5d20000000p-3, 0x1.efb9920000000p-8, 0x1.83f79a0000000p-3, -0x1.be8d8c0000000p-2, 0x1.0e0d2c0000000p-2, -0x1.320ab60000000p-2, -0x1.b2cf1e0000000p-1};
// kaiming_n: torch.manual_seed(6); r = torch.nn.init.kaiming_normal_(torch.empty(2, 3), mode='fan_out', nonlinearity='relu')
const Vec kaiming_n = {-0x1.dfd8960000000p+0, -0x1.fcc16e0000000p-1, 0x1.6fdaf00000000p-1, -0x1.659bbe0000000p-1, -0x1.78b7d80000000p+0, 0x1.6bee180000000p-3};
// init_normal: torch.manual_seed(6); r = torch.nn.init.normal_(torch.empty(3, 7), 0.5, 2.0)
const Vec init_normal = {-0x1.ec301c0000000p+0, 0x1.c2be5c0000000p+0, -0x1.38a7600000000p+1, -0x1.15cf9a0000000p+1, -0x1.ead6780000000p-2, -0x1.f01ae80000000p-1, -0x1.7979900000000p+0, 0x1.0cf4c00000000p+2, 0x1.483b760000000p+1, 0x1.139c820000000p+1, 0x1.7979ac0000000p-1, -0x1.7e1afc0000000p-1, -0x1.f095f00000000p-4, 0x1.3650220000000p+0, 0x1.106e5e0000000p-1, 0x1.4dc02c0000000p+0, -0x1.59a4120000000p+0, 0x1.9e6ece0000000p+0, -0x1.8936780000000p-1, -0x1.8d2f440000000p+1, 0x1.ba79360000000p+0};
// randperm_10: torch.manual_seed(7); r = torch.randperm(10)
const Vec randperm_10 = {0x1.4000000000000p+2, 0x0.0p+0, 0x1.8000000000000p+1, 0x1.0000000000000p+2, 0x1.0000000000000p+0, 0x1.c000000000000p+2, 0x1.2000000000000p+3, 0x1.8000000000000p+2, 0x1.0000000000000p+3, 0x1.0000000000000p+1};
// randperm_100: torch.manual_seed(7); r = torch.randperm(100)
const Vec randperm_100 = {0x1.e000000000000p+3, 0x1.d800000000000p+5, 0x1.1c00000000000p+6, 0x1.c800000000000p+5, 0x1.0000000000000p+1, 0x1.b000000000000p+4, 0x1.5c00000000000p+6, 0x1.b000000000000p+5, 0x1.2000000000000p+5, 0x1.8000000000000p+6, 0x1.8800000000000p+6, 0x1.3000000000000p+6, 0x1.c000000000000p+4, 0x1.5800000000000p+5, 0x1.0000000000000p+3, 0x1.4000000000000p+6, 0x1.d000000000000p+5, 0x1.6c00000000000p+6, 0x1.e800000000000p+5, 0x1.9000000000000p+4, 0x1.c000000000000p+5, 0x1.4000000000000p+2, 0x1.8c00000000000p+6, 0x1.2000000000000p+3, 0x1.e000000000000p+5, 0x1.7400000000000p+6, 0x1.7c00000000000p+6, 0x1.5000000000000p+5, 0x1.1800000000000p+6, 0x1.8000000000000p+1, 0x1.f000000000000p+4, 0x1.a800000000000p+5, 0x1.7000000000000p+6, 0x1.4400000000000p+6, 0x1.a000000000000p+4, 0x1.c000000000000p+3, 0x1.8000000000000p+4, 0x1.1800000000000p+5, 0x1.4c00000000000p+6, 0x1.4800000000000p+5, 0x1.0000000000000p+0, 0x1.0000000000000p+6, 0x1.1000000000000p+6, 0x1.2800000000000p+5, 0x1.a000000000000p+5, 0x1.7000000000000p+4, 0x0.0p+0, 0x1.d000000000000p+4, 0x1.0000000000000p+5, 0x1.1000000000000p+5, 0x1.4000000000000p+5, 0x1.2c00000000000p+6, 0x1.8000000000000p+2, 0x1.4000000000000p+3, 0x1.5800000000000p+6, 0x1.8400000000000p+6, 0x1.3800000000000p+5, 0x1.6400000000000p+6, 0x1.f000000000000p+5, 0x1.8000000000000p+3, 0x1.6800000000000p+6, 0x1.3c00000000000p+6, 0x1.0000000000000p+2, 0x1.8000000000000p+5, 0x1.6800000000000p+5, 0x1.5400000000000p+6, 0x1.3000000000000p+5, 0x1.0800000000000p+5, 0x1.3800000000000p+6, 0x1.5000000000000p+6, 0x1.0c00000000000p+6, 0x1.9000000000000p+5, 0x1.0000000000000p+4, 0x1.9800000000000p+5, 0x1.2400000000000p+6, 0x1.f800000000000p+5, 0x1.1000000000000p+4, 0x1.7000000000000p+5, 0x1.0400000000000p+6, 0x1.0800000000000p+6, 0x1.6000000000000p+3, 0x1.6000000000000p+4, 0x1.7800000000000p+5, 0x1.c000000000000p+2, 0x1.8800000000000p+5, 0x1.7800000000000p+6, 0x1.1400000000000p+6, 0x1.5000000000000p+4, 0x1.2800000000000p+6, 0x1.4800000000000p+6, 0x1.2000000000000p+6, 0x1.b800000000000p+5, 0x1.e000000000000p+4, 0x1.6000000000000p+5, 0x1.2000000000000p+4, 0x1.6000000000000p+6, 0x1.3400000000000p+6, 0x1.a000000000000p+3, 0x1.4000000000000p+4, 0x1.3000000000000p+4};
// bern_f32: torch.manual_seed(8); r = torch.bernoulli(torch.tensor([0.1, 0.5, 0.9, 0.3, 0.7, 0.5, 0.5, 0.2]))
const Vec bern_f32 = {0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x1.0000000000000p+0, 0x1.0000000000000p+0, 0x0.0p+0, 0x0.0p+0, 0x1.0000000000000p+0};
// bern_f64: torch.manual_seed(8); r = torch.bernoulli(torch.tensor([0.1, 0.5, 0.9, 0.3, 0.7, 0.5, 0.5, 0.2], dtype=torch.float64))
const Vec bern_f64 = {0x0.0p+0, 0x0.0p+0, 0x1.0000000000000p+0, 0x1.0000000000000p+0, 0x1.0000000000000p+0, 0x1.0000000000000p+0, 0x0.0p+0, 0x1.0000000000000p+0};
// dropout_f32: torch.manual_seed(9); r = torch.nn.functional.dropout(torch.arange(1., 13.), 0.3)
const Vec dropout_f32 = {0x1.6db6dc0000000p+0, 0x0.0p+0, 0x1.1249240000000p+2, 0x1.6db6dc0000000p+2, 0x1.c924940000000p+2, 0x1.1249240000000p+3, 0x1.4000000000000p+3, 0x1.6db6dc0000000p+3, 0x1.9b6db80000000p+3, 0x1.c924940000000p+3, 0x1.f6db6e0000000p+3, 0x1.1249240000000p+4};
// dropout_f64: torch.manual_seed(9); r = torch.nn.functional.dropout(torch.arange(1., 13., dtype=torch.float64), 0.3)
const Vec dropout_f64 = {0x1.6db6db6db6db7p+0, 0x0.0p+0, 0x1.1249249249249p+2, 0x1.6db6db6db6db7p+2, 0x1.c924924924925p+2, 0x1.1249249249249p+3, 0x1.4000000000000p+3, 0x1.6db6db6db6db7p+3, 0x1.9b6db6db6db6ep+3, 0x1.c924924924925p+3, 0x1.f6db6db6db6dcp+3, 0x1.1249249249249p+4};

// gru_params: torch.manual_seed(10); m = torch.nn.GRU(2, 2); r = torch.cat([p.flatten() for p in m.parameters()])
const Vec gru_params = {-0x1.e599700000000p-5, -0x1.8d38ac0000000p-6, -0x1.0f880a0000000p-2, 0x1.4d23660000000p-3, -0x1.9e3fa20000000p-2, -0x1.fec1da0000000p-4, 0x1.18a4c40000000p-2, 0x1.53d0d40000000p-1, 0x1.552c1a0000000p-3, -0x1.eb500a0000000p-3, 0x1.15b5ee0000000p-4, -0x1.4498a00000000p-4, 0x1.278eec0000000p-2, 0x1.4ba18a0000000p-4, 0x1.1ba38e0000000p-2, 0x1.5f20380000000p-1, -0x1.2cacd00000000p-2, -0x1.9971f80000000p-6, 0x1.4d0de00000000p-3, -0x1.2eb26a0000000p-8, -0x1.1564f80000000p-4, -0x1.40644a0000000p-1, -0x1.384c240000000p-1, -0x1.45c8ba0000000p-1, -0x1.62400c0000000p-1, -0x1.512f3a0000000p-1, -0x1.1244460000000p-1, -0x1.4689300000000p-1, -0x1.539dd60000000p-1, 0x1.3d69c00000000p-2, 0x1.bc1cd40000000p-2, 0x1.e946cc0000000p-2, 0x1.8613360000000p-2, 0x1.eab4860000000p-3, 0x1.3efd3e0000000p-2, -0x1.906d9a0000000p-2};
// mha_params: torch.manual_seed(11); m = torch.nn.MultiheadAttention(2, 1); r = torch.cat([p.flatten() for p in m.parameters()])
const Vec mha_params = {0x1.26b8d60000000p-3, -0x1.49814e0000000p-1, 0x1.ffac2e0000000p-4, 0x1.78c07a0000000p-1, -0x1.991b6e0000000p-2, 0x1.f4f89e0000000p-2, -0x1.9495b00000000p-2, -0x1.04d9ec0000000p-4, 0x1.d9c9e20000000p-2, 0x1.1360320000000p-8, -0x1.6081240000000p-1, 0x1.cd22de0000000p-2, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, -0x1.fc3dec0000000p-2, -0x1.3792000000000p-6, 0x1.5fa8100000000p-1, -0x1.e034be0000000p-2, 0x0.0p+0, 0x0.0p+0};
// embedding_w: torch.manual_seed(12); m = torch.nn.Embedding(4, 3); r = m.weight
const Vec embedding_w = {-0x1.b5e4060000000p-3, -0x1.60c2280000000p+0, -0x1.bf6e000000000p-5, 0x1.ce62020000000p-2, 0x1.92585c0000000p-1, -0x1.16a3da0000000p+0, -0x1.1ea8880000000p-1, -0x1.de03bc0000000p-1, 0x1.889b080000000p-5, -0x1.5982f00000000p-4, -0x1.2d2a1c0000000p-3, 0x1.84a02c0000000p-1};

// Exact comparison, element by element (a float converts to double exactly).
void check_bits(const Tensor& t, ember::Dtype dtype, const Vec& expected) {
  REQUIRE(t.dtype() == dtype);
  Vec got = values(t);
  REQUIRE(got.size() == expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO("element " << i);
    CHECK(got[i] == expected[i]);
  }
}
}  // namespace

TEST_CASE("generator: rand and uniform_ match PyTorch", "[generator]") {
  ember::manual_seed(0);
  check_bits(ember::rand({6}), ember::kFloat32, rand_f32);
  ember::manual_seed(0);
  check_bits(ember::rand({6}, ember::kFloat64), ember::kFloat64, rand_f64);
  ember::manual_seed(1);
  check_bits(ember::empty({7}).uniform_(-2.5, 3.7), ember::kFloat32, uniform_f32);
  ember::manual_seed(1);
  check_bits(ember::empty({7}, ember::kFloat64).uniform_(-2.5, 3.7), ember::kFloat64, uniform_f64);
}

TEST_CASE("generator: uniform_ over many floats is rand's draws scaled by one fused multiply-add", "[generator]") {
  // The scaling runs in a loop of its own (vector FMA where the CPU has it); the
  // reference is std::fma on the same draws, taken from rand() after the same seed.
  ember::manual_seed(5);
  std::vector<float> u = ember::rand({1001}).tolist<float>();
  ember::manual_seed(5);
  std::vector<float> got = ember::empty({1001}).uniform_(-2.5, 3.7).tolist<float>();
  const float from = -2.5f, to = 3.7f;
  for (std::size_t i = 0; i < u.size(); ++i) REQUIRE(got[i] == std::fma(u[i], to - from, from));
}

TEST_CASE("generator: randn and normal_ match PyTorch on both paths", "[generator]") {
  SECTION("fewer than 16 elements: scalar Box-Muller with the cached second value") {
    ember::manual_seed(0);
    Tensor a = ember::randn({3});
    check_bits(ember::cat({a, ember::randn({3})}), ember::kFloat32, randn_f32_small);
    ember::manual_seed(0);
    Tensor b = ember::randn({5}, ember::kFloat64);
    check_bits(ember::cat({b, ember::randn({2}, ember::kFloat64)}), ember::kFloat64, randn_f64_small);
    ember::manual_seed(4);
    check_bits(ember::empty({5}).normal_(1.5, 0.25), ember::kFloat32, normal_f32_5);
  }
  SECTION("16 or more elements: blocks of 16, a partial block redone at the end") {
    ember::manual_seed(2);
    check_bits(ember::randn({20}), ember::kFloat32, randn_f32_20);
    ember::manual_seed(2);
    check_bits(ember::randn({4, 8}), ember::kFloat32, randn_f32_32);
    ember::manual_seed(3);
    check_bits(ember::randn({21}, ember::kFloat64), ember::kFloat64, randn_f64_21);
    ember::manual_seed(4);
    check_bits(ember::empty({17}).normal_(1.5, 0.25), ember::kFloat32, normal_f32_17);
    ember::manual_seed(4);
    check_bits(ember::empty({16}, ember::kFloat64).normal_(-1.0, 3.0), ember::kFloat64, normal_f64_16);
  }
}

TEST_CASE("generator: randint matches PyTorch for 32- and 64-bit ranges", "[generator]") {
  ember::manual_seed(5);
  check_bits(ember::randint(-3, 10, {12}), ember::kInt64, randint_small);
  ember::manual_seed(5);
  check_bits(ember::randint(-7, int64_t{1} << 40, {4}), ember::kInt64, randint_wide);
  ember::manual_seed(5);
  check_bits(ember::randint(0, 1000, {5}, ember::kFloat32), ember::kFloat32, randint_f32);
}

TEST_CASE("generator: Linear and Conv2d initialise as PyTorch's do", "[generator]") {
  ember::manual_seed(0);
  nn::Linear fc(3, 4);
  check_bits(fc->weight, ember::kFloat32, linear_w);
  check_bits(fc->bias, ember::kFloat32, linear_b);
  ember::manual_seed(1);
  nn::Conv2d conv(nn::Conv2dOptions(2, 3, 3));
  check_bits(conv->weight, ember::kFloat32, conv_w);
  check_bits(conv->bias, ember::kFloat32, conv_b);
}

// All parameters of a module, flattened and joined in registration order.
static Tensor all_parameters(const nn::Module& m) {
  std::vector<Tensor> flat;
  auto params = m.parameters();
  for (const Tensor& p : params) flat.push_back(p.reshape({-1}));
  return ember::cat(flat);
}

TEST_CASE("generator: GRU, MultiheadAttention and Embedding initialise as PyTorch's do", "[generator]") {
  ember::manual_seed(10);
  nn::GRU gru(nn::GRUOptions(2, 2));
  check_bits(all_parameters(*gru), ember::kFloat32, gru_params);
  ember::manual_seed(11);
  nn::MultiheadAttention mha(nn::MultiheadAttentionOptions(2, 1));
  check_bits(all_parameters(*mha), ember::kFloat32, mha_params);
  ember::manual_seed(12);
  nn::Embedding emb(nn::EmbeddingOptions(4, 3));
  check_bits(emb->weight, ember::kFloat32, embedding_w);
}

TEST_CASE("generator: nn::init functions match PyTorch", "[generator]") {
  ember::manual_seed(6);
  check_bits(init::xavier_uniform_(ember::empty({3, 5}), 1.5), ember::kFloat32, xavier_u);
  ember::manual_seed(6);
  check_bits(init::xavier_normal_(ember::empty({4, 5})), ember::kFloat32, xavier_n);
  ember::manual_seed(6);
  check_bits(init::kaiming_normal_(ember::empty({2, 3}), 0, "fan_out", "relu"), ember::kFloat32, kaiming_n);
  ember::manual_seed(6);
  check_bits(init::normal_(ember::empty({3, 7}), 0.5, 2.0), ember::kFloat32, init_normal);
}

TEST_CASE("generator: randperm matches PyTorch", "[generator]") {
  ember::manual_seed(7);
  check_bits(ember::randperm(10), ember::kInt64, randperm_10);
  ember::manual_seed(7);
  check_bits(ember::randperm(100), ember::kInt64, randperm_100);
}

TEST_CASE("generator: bernoulli and dropout match PyTorch", "[generator]") {
  const Vec probs = {0.1, 0.5, 0.9, 0.3, 0.7, 0.5, 0.5, 0.2};
  ember::manual_seed(8);
  check_bits(ember::bernoulli(ember::tensor(probs, {8}, ember::kFloat32)), ember::kFloat32, bern_f32);
  ember::manual_seed(8);
  check_bits(ember::bernoulli(ember::tensor(probs, {8}, ember::kFloat64)), ember::kFloat64, bern_f64);
  ember::manual_seed(9);
  check_bits(F::dropout(ember::arange(1., 13.), 0.3), ember::kFloat32, dropout_f32);
  ember::manual_seed(9);
  check_bits(F::dropout(ember::arange(1., 13., 1., ember::kFloat64), 0.3), ember::kFloat64, dropout_f64);
}

TEST_CASE("generator: manual_seed resets the cached normal value", "[generator]") {
  ember::manual_seed(0);
  ember::randn({1});  // leaves the sine half cached
  ember::manual_seed(0);
  check_bits(ember::randn({1}), ember::kFloat32, Vec{randn_f32_small[0]});
}

TEST_CASE("generator: get_rng_state has PyTorch's layout and set_rng_state restores it", "[generator]") {
  // PyTorch 1.13: torch.manual_seed(3); torch.randn(1, dtype=torch.float64); torch.rand(1)
  //   b = torch.get_rng_state().tolist(): len(b) == 5056, sum(b) == 323392,
  //   sum(v * (i + 1) for i, v in enumerate(b)) == 823979802, left 620 and next 5
  //   (int32 at byte 8, uint64 at 16), cached normal 0.17483339327910355 (double at 5024);
  //   then torch.randn(2, dtype=torch.float64) (the first value is the cached one).
  const Vec after = {0x1.660f0cd30f451p-3, -0x1.36a588681d179p+1};
  ember::manual_seed(3);
  ember::randn({1}, ember::kFloat64);
  ember::rand({1});
  Tensor state = ember::get_rng_state();
  REQUIRE(state.dtype() == ember::kInt64);
  std::vector<int64_t> b = state.tolist<int64_t>();
  REQUIRE(b.size() == 5056);
  int64_t sum = 0, weighted = 0;
  for (std::size_t i = 0; i < b.size(); ++i) {
    sum += b[i];
    weighted += b[i] * static_cast<int64_t>(i + 1);
  }
  CHECK(sum == 323392);
  CHECK(weighted == 823979802);
  CHECK(b[8] == 620 % 256);
  CHECK(b[9] == 620 / 256);
  CHECK(b[16] == 5);
  CHECK(ember::initial_seed() == 3);
  check_bits(ember::randn({2}, ember::kFloat64), ember::kFloat64, after);
  ember::manual_seed(99);
  ember::set_rng_state(state);
  CHECK(ember::initial_seed() == 3);
  check_bits(ember::randn({2}, ember::kFloat64), ember::kFloat64, after);

  REQUIRE_THROWS_WITH(ember::set_rng_state(ember::zeros({10}, ember::kInt64)),
                      Catch::Matchers::Contains("set_rng_state: expected an int64 tensor of 5056 byte values"));
  Tensor bad = state.clone();
  bad[100].fill_(300);
  REQUIRE_THROWS_WITH(ember::set_rng_state(bad), Catch::Matchers::Contains("element 100 is 300, not a byte value"));
}

TEST_CASE("generator: orthogonal_ draws as PyTorch does (equal up to the QR's rounding)", "[generator]") {
  // PyTorch 1.13: torch.manual_seed(13); torch.nn.init.orthogonal_(torch.empty(3, 5))
  const Vec wide = {-0.044020891189575195, -0.4516485333442688, 0.5560072064399719, 0.5382975935935974,
                    0.4417775571346283,    -0.703273355960846,  0.27428629994392395, -0.089774489402771,
                    0.5496482849121094,    -0.34641146659851074, -0.20356833934783936, -0.557637095451355,
                    0.3582715392112732,    -0.32803216576576233, -0.6415895819664001};
  // torch.manual_seed(14); torch.nn.init.orthogonal_(torch.empty(6, 2), 2.0)
  const Vec tall = {-0.9582314491271973, -0.07032960653305054, -0.7101690769195557, -0.4772234857082367,
                    -0.3090086877346039, 0.44199925661087036,  1.1926347017288208,  -1.3119620084762573,
                    -0.09802256524562836, 0.3955939710140228,  -1.024685025215149,  -1.3016180992126465};
  ember::manual_seed(13);
  Vec got = values(init::orthogonal_(ember::empty({3, 5})));
  REQUIRE(got.size() == wide.size());
  for (std::size_t i = 0; i < got.size(); ++i) CHECK(got[i] == Approx(wide[i]).margin(1e-6));
  ember::manual_seed(14);
  got = values(init::orthogonal_(ember::empty({6, 2}), 2.0));
  REQUIRE(got.size() == tall.size());
  for (std::size_t i = 0; i < got.size(); ++i) CHECK(got[i] == Approx(tall[i]).margin(2e-6));
}

TEST_CASE("generator: non-contiguous tensors are filled in PyTorch's order", "[generator]") {
  // PyTorch 1.13 (values listed in the view's logical order):
  // torch.manual_seed(15); a = torch.empty(3, 4).t(); a.uniform_()
  const Vec transposed_uniform = {0x1.3077200000000p-2, 0x1.d57eee0000000p-1, 0x1.01598e0000000p-1,
                                  0x1.1b3bd40000000p-2, 0x1.a666000000000p-2, 0x1.c3b6580000000p-3,
                                  0x1.983f180000000p-1, 0x1.1b91380000000p-1, 0x1.5c30aa0000000p-1,
                                  0x1.8c2a140000000p-2, 0x1.2115360000000p-1, 0x1.8d49d80000000p-2};
  // torch.manual_seed(16); b = torch.empty(4, 6, dtype=torch.float64)[:, ::2]; b.uniform_(-1, 2)
  const Vec strided_uniform = {-0x1.98020290649b0p-4, 0x1.432d655890d9ep-2, 0x1.827e1f68243b8p+0,
                               0x1.6d531ab9b11dcp-3,  0x1.5166f8e83a486p+0, 0x1.9bfbdbb1980d0p+0,
                               0x1.112b1f622cbdap-1,  -0x1.1795670c40520p-5, -0x1.d91b377654b4ap-1,
                               -0x1.b7943e309ec40p-2, 0x1.0898706b0babap-2, 0x1.2f56fe438ea73p+0};
  // torch.manual_seed(17); c = torch.empty(4, 5).t(); c.normal_()  (20 elements, scalar path)
  const Vec transposed_normal = {
      -0x1.69dc000000000p+0, -0x1.3987820000000p-1, 0x1.3a42a00000000p-3,  -0x1.e970a80000000p-2,
      0x1.de79cc0000000p-3,  -0x1.2efcec0000000p+0, -0x1.54e00e0000000p+1, 0x1.8fd3960000000p+0,
      0x1.16ccc20000000p-5,  -0x1.7ba9780000000p+0, -0x1.6e5f760000000p+0, -0x1.09bcb40000000p-3,
      0x1.6650b60000000p-2,  0x1.cce9620000000p+0,  -0x1.18bb340000000p-1, -0x1.1167e40000000p-3,
      -0x1.dbd7a00000000p-7, 0x1.39b8fc0000000p-7,  0x1.4aefce0000000p-2,  0x1.4623aa0000000p+0};
  // torch.manual_seed(18); d = torch.empty(2, 3, 4).permute(2, 0, 1); d.normal_()
  const Vec permuted_normal = {
      0x1.302a7a0000000p-1,  -0x1.21ceda0000000p-1, -0x1.6b47ac0000000p-2, -0x1.15a06e0000000p-1,
      0x1.2e666c0000000p+0,  0x1.395c260000000p+0,  -0x1.0455f00000000p-3, 0x1.27fb700000000p-1,
      0x1.50c73e0000000p+1,  -0x1.4444be0000000p+0, -0x1.65ee860000000p-1, -0x1.e7e8740000000p-1,
      -0x1.7517580000000p-1, 0x1.3a4c880000000p-2,  0x1.9a04ca0000000p-1,  -0x1.8283780000000p+0,
      0x1.7c42f20000000p-1,  0x1.4c7b200000000p-2,  0x1.7140760000000p-1,  0x1.3a576c0000000p-1,
      -0x1.f5b14c0000000p-3, -0x1.4435ae0000000p-1, -0x1.11eb6c0000000p+1, -0x1.08e2920000000p-1};
  ember::manual_seed(15);
  Tensor a = ember::empty({3, 4}).t();
  a.uniform_();
  check_bits(a, ember::kFloat32, transposed_uniform);
  ember::manual_seed(16);
  Tensor b = ember::empty({4, 6}, ember::kFloat64).slice(1, 0, 6, 2);
  b.uniform_(-1, 2);
  check_bits(b, ember::kFloat64, strided_uniform);
  ember::manual_seed(17);
  Tensor c = ember::empty({4, 5}).t();
  c.normal_();
  check_bits(c, ember::kFloat32, transposed_normal);
  ember::manual_seed(18);
  Tensor d = ember::empty({2, 3, 4}).permute({2, 0, 1});
  d.normal_();
  check_bits(d, ember::kFloat32, permuted_normal);
}

TEST_CASE("generator: the vector Box-Muller gives the scalar loop's bits", "[generator]") {
  // box_muller_16_float runs 8 lanes in AVX2 registers where the CPU has AVX2 and FMA;
  // the scalar loop is the reference (it is what the PyTorch cases above check where the
  // CPU has neither). Uniforms: a sweep of [0, 1) plus the edges: 0 and the largest
  // float below 1 (u1 = 1 - u at 1 and at 2^-24, the logarithm's smallest argument),
  // and angles at every multiple of pi/4 (the sine/cosine's octant boundaries).
  std::vector<float> uniforms;
  for (int i = 0; i < 4096; ++i) uniforms.push_back(static_cast<float>(i) / 4096.0f);
  for (int k = 0; k <= 8; ++k) {
    const float at = static_cast<float>(k) / 8.0f;
    for (float u : {std::nextafter(at, 0.0f), at, std::nextafter(at, 1.0f)})
      if (u >= 0 && u < 1) uniforms.push_back(u);
  }
  for (float u : {0.0f, std::nextafter(1.0f, 0.0f), 1e-30f, 1e-7f}) uniforms.push_back(u);
  while (uniforms.size() % 16 != 0) uniforms.push_back(0.25f);
  ember::manual_seed(3);
  std::vector<float> shuffled = uniforms;  // pair each value with others as u1 and as u2
  std::vector<float> noise = ember::rand({static_cast<int64_t>(uniforms.size())}).tolist<float>();
  for (std::size_t i = 0; i < shuffled.size(); ++i) shuffled[i] = noise[i] < 0.5f ? uniforms[i] : uniforms[shuffled.size() - 1 - i];
  for (const std::vector<float>* source : {&uniforms, &shuffled})
    for (std::size_t b = 0; b < source->size(); b += 16) {
      float fast[16], slow[16];
      std::copy(source->begin() + static_cast<std::ptrdiff_t>(b), source->begin() + static_cast<std::ptrdiff_t>(b + 16), fast);
      std::copy(fast, fast + 16, slow);
      ember::detail::box_muller_16_float(fast, 0.5f, 2.0f);
      ember::detail::box_muller_16_float_scalar(slow, 0.5f, 2.0f);
      for (int j = 0; j < 16; ++j) {
        INFO("block " << b << " lane " << j << " from " << (*source)[b + static_cast<std::size_t>(j)]);
        uint32_t a, c;
        std::memcpy(&a, &fast[j], 4);
        std::memcpy(&c, &slow[j], 4);
        REQUIRE(a == c);
      }
    }
}
