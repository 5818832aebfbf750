// Thin shim over OpenBLAS (Debian libopenblas-dev, pkg-config "openblas").
// Only includes; OpenBLAS's cblas.h also declares openblas_set_num_threads.
#ifndef MIRROR_CBLAS_SHIM_H
#define MIRROR_CBLAS_SHIM_H
#include <cblas.h>
#include <stddef.h>

// LAPACK (Fortran 77 ABI) routines that libopenblas exports but Debian ships no lapack.h for.
// Declarations only; used by MirrorRetrieval's PCA. Conventions: every argument by pointer,
// Fortran INTEGER = int (LP64 build), matrices column-major, and CHARACTER arguments followed by
// their hidden lengths (size_t) at the end of the list, as gfortran passes them.
void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w,
             double *work, const int *lwork, int *iwork, const int *liwork, int *info,
             size_t jobz_len, size_t uplo_len);
void dgetrf_(const int *m, const int *n, double *a, const int *lda, int *ipiv, int *info);
void dgeqrf_(const int *m, const int *n, double *a, const int *lda, double *tau, double *work,
             const int *lwork, int *info);
void dorgqr_(const int *m, const int *n, const int *k, double *a, const int *lda, const double *tau,
             double *work, const int *lwork, int *info);
void dgesdd_(const char *jobz, const int *m, const int *n, double *a, const int *lda, double *s,
             double *u, const int *ldu, double *vt, const int *ldvt, double *work, const int *lwork,
             int *iwork, int *info, size_t jobz_len);
#endif
