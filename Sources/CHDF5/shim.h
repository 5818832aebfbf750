// Thin shim over HDF5 1.10 (Debian libhdf5-dev; pkg-config "hdf5" points at the serial build,
// headers under hdf5/serial). The H5T_NATIVE_* and H5P_DEFAULT names are macros over global ids
// that Swift cannot import, so they get static inline accessors here.
#ifndef MIRROR_CHDF5_SHIM_H
#define MIRROR_CHDF5_SHIM_H
#include <hdf5.h>

static inline hid_t mirror_h5t_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t mirror_h5t_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t mirror_h5t_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t mirror_h5t_c_s1(void) { return H5T_C_S1; }
static inline hid_t mirror_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t mirror_h5s_all(void) { return H5S_ALL; }
static inline hid_t mirror_h5p_dataset_create(void) { return H5P_DATASET_CREATE; }
static inline hid_t mirror_h5p_file_access(void) { return H5P_FILE_ACCESS; }
static inline unsigned mirror_h5f_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline unsigned mirror_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned mirror_h5f_acc_excl(void) { return H5F_ACC_EXCL; }
static inline hid_t mirror_h5t_ieee_f32le(void) { return H5T_IEEE_F32LE; }
static inline hid_t mirror_h5p_link_create(void) { return H5P_LINK_CREATE; }
static inline hid_t mirror_h5e_default(void) { return H5E_DEFAULT; }
static inline size_t mirror_h5t_variable(void) { return H5T_VARIABLE; }
#endif
