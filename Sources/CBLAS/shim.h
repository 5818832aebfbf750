// Thin shim over OpenBLAS (Debian libopenblas-dev, pkg-config "openblas").
// Only includes; OpenBLAS's cblas.h also declares openblas_set_num_threads.
#ifndef MIRROR_CBLAS_SHIM_H
#define MIRROR_CBLAS_SHIM_H
#include <cblas.h>
#endif
