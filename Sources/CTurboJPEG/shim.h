// Thin shim over libjpeg-turbo's TurboJPEG API (Debian libturbojpeg0-dev 2.1.x:
// tjInitDecompress / tjDecompressHeader3 / tjDecompress2 / tjGetErrorStr2).
#ifndef MIRROR_CTURBOJPEG_SHIM_H
#define MIRROR_CTURBOJPEG_SHIM_H
#include <stddef.h>
#include <turbojpeg.h>
#endif
