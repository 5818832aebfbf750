// Thin shim over libpng 1.6 (Debian libpng-dev). mirror uses the simplified `png_image`
// API, which reports errors in `image.message` and needs no setjmp.
#ifndef MIRROR_CPNG_SHIM_H
#define MIRROR_CPNG_SHIM_H
#include <png.h>

/// PNG_IMAGE_SIZE is a macro Swift cannot import.
static inline size_t mirror_png_image_size(const png_image *image) {
    return PNG_IMAGE_SIZE(*image);
}
/// PNG_IMAGE_FAILED likewise.
static inline int mirror_png_image_failed(const png_image *image) {
    return PNG_IMAGE_FAILED(*image) ? 1 : 0;
}
#endif
