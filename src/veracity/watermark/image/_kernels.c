/* Inner loops of the image watermark detector, optional (setup.py).
 *
 * fold_bins: the fold's sums and counts per tile bin (sync.py), in one pass instead of
 * about ten whole-image numpy passes and two bincounts; fold_rows_cols: the same for an
 * axis-aligned lattice, rows first. subpixel_peaks: the lattice
 * refinement's peak reading (lattice.py), one loop instead of ~30 small numpy calls.
 * Each does the numpy path's arithmetic in the same order and precision, so both paths
 * give the same bits; the tests compare them. Plain C API and the buffer protocol: no
 * numpy headers are needed to build it.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <math.h>
#include <string.h>

/* The buffers one call holds, released together whatever happened. */
typedef struct {
    Py_buffer view[6];
    int count;
} Held;

static void release_all(Held *held) {
    while (held->count > 0) PyBuffer_Release(&held->view[--held->count]);
}

/* The data of a contiguous buffer of ``items`` items of format ``fmt`` (held until
 * release_all), or NULL with a ValueError. */
static void *take(Held *held, PyObject *obj, const char *fmt, Py_ssize_t items, int writable,
                  const char *name) {
    Py_buffer *view = &held->view[held->count];
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, view, flags) < 0) return NULL;
    const char *got = view->format ? view->format : "B";
    if (got[0] == '=' || got[0] == '<' || got[0] == '@') got++;
    if (strcmp(got, fmt) != 0 || view->len != items * view->itemsize) {
        PyErr_Format(PyExc_ValueError, "%s: expected %zd items of format '%s'", name, items, fmt);
        PyBuffer_Release(view);
        return NULL;
    }
    held->count++;
    return view->buf;
}

/* The number of items of ``itemsize`` bytes in a contiguous buffer, or -1 with an error. */
static Py_ssize_t items_of(PyObject *obj, Py_ssize_t itemsize) {
    Py_buffer view;
    if (PyObject_GetBuffer(obj, &view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) return -1;
    Py_ssize_t items = view.len / itemsize;
    PyBuffer_Release(&view);
    return items;
}

/* A residual of ``items`` float32 or float64 values (``single`` says which), or NULL. */
static void *take_residual(Held *held, PyObject *obj, Py_ssize_t items, int *single) {
    Py_buffer view;
    if (PyObject_GetBuffer(obj, &view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) return NULL;
    *single = view.format != NULL && strchr(view.format, 'f') != NULL;
    PyBuffer_Release(&view);
    return take(held, obj, *single ? "f" : "d", items, 0, "residual");
}

/* One pass over the pixels; ``n * mask < 2^32`` is checked by the caller of the macro. */
#define FOLD_LOOP(pixels)                                                              \
    for (Py_ssize_t y = 0; y < h; y++) {                                               \
        const uint32_t ly_u = (uint32_t)lin_u[y], ly_v = (uint32_t)lin_v[y];           \
        const __typeof__(pixels[0]) *row = pixels + y * w;                             \
        for (Py_ssize_t x = 0; x < w; x++) {                                           \
            const uint32_t iu = ((((uint32_t)col_u[x] + ly_u) & mask) * un) >> fix;    \
            const uint32_t iv = ((((uint32_t)col_v[x] + ly_v) & mask) * un) >> fix;    \
            const uint32_t k = 2 * (iv * un + iu);                                     \
            acc[k] += (double)row[x];                                                  \
            acc[k + 1] += 1.0;                                                         \
        }                                                                              \
    }

/* fold_bins(residual, col_u, lin_u, col_v, lin_v, n, fix, acc)
 *
 * residual: float32 or float64 (h*w); col_*: int32 (w); lin_*: int32 (h); the tile coordinate of
 * pixel (y, x) along each basis is frac = (col[x] + lin[y]) & (2^fix - 1); its bin is
 * (frac * n) >> fix. acc: float64 (n*n*2), zeroed by the caller; bin k's sum goes to
 * acc[2k] and its count to acc[2k+1] (side by side: one cache line for both).
 */
static PyObject *fold_bins(PyObject *self, PyObject *args) {
    PyObject *o_res, *o_cu, *o_lu, *o_cv, *o_lv, *o_acc;
    int n, fix;
    if (!PyArg_ParseTuple(args, "OOOOOiiO", &o_res, &o_cu, &o_lu, &o_cv, &o_lv, &n, &fix,
                          &o_acc))
        return NULL;
    /* The bin arithmetic is 32-bit: (2^fix - 1) * n must stay below 2^32. */
    if (n < 1 || n > 1024 || fix < 1 || fix > 22) {
        PyErr_SetString(PyExc_ValueError, "n or fix out of range");
        return NULL;
    }
    Held held = {.count = 0};
    int single = 0;
    const int32_t *col_u, *lin_u, *col_v, *lin_v;
    const void *res;
    double *acc;
    const Py_ssize_t w = items_of(o_cu, sizeof(int32_t)), h = items_of(o_lu, sizeof(int32_t));
    if (w < 0 || h < 0) return NULL;
    if ((col_u = take(&held, o_cu, "i", w, 0, "col_u")) &&
        (lin_u = take(&held, o_lu, "i", h, 0, "lin_u")) &&
        (col_v = take(&held, o_cv, "i", w, 0, "col_v")) &&
        (lin_v = take(&held, o_lv, "i", h, 0, "lin_v")) &&
        (res = take_residual(&held, o_res, h * w, &single)) &&
        (acc = take(&held, o_acc, "d", (Py_ssize_t)n * n * 2, 1, "acc"))) {
        const float *r32 = res;
        const double *r64 = res;
        const uint32_t mask = (1u << fix) - 1u;
        const uint32_t un = (uint32_t)n;
        Py_BEGIN_ALLOW_THREADS
        if (single)
            FOLD_LOOP(r32)
        else
            FOLD_LOOP(r64)
        Py_END_ALLOW_THREADS
        release_all(&held);
        Py_RETURN_NONE;
    }
    release_all(&held);
    return NULL;
}

/* fold_rows_cols(residual, iu, iv, n, sums)
 *
 * The fold of an axis-aligned lattice: pixel (y, x) goes to bin (iv[y], iu[x]). Rows are
 * summed first into an (n x w) buffer (row y onto row iv[y], in increasing y), then its
 * columns into the bins (column x onto bin iu[x], in increasing x): the order of
 * sync._bins_separable's two bincounts. residual: float32 or float64 (h*w); iu: int32 (w),
 * iv: int32 (h), each in [0, n); sums: float64 (n*n), zeroed by the caller.
 */
static PyObject *fold_rows_cols(PyObject *self, PyObject *args) {
    PyObject *o_res, *o_iu, *o_iv, *o_sums;
    int n;
    if (!PyArg_ParseTuple(args, "OOOiO", &o_res, &o_iu, &o_iv, &n, &o_sums)) return NULL;
    if (n < 1 || n > 1024) {
        PyErr_SetString(PyExc_ValueError, "n out of range");
        return NULL;
    }
    Held held = {.count = 0};
    int single = 0;
    const int32_t *iu, *iv;
    const void *res;
    double *sums;
    PyObject *out = NULL;
    const Py_ssize_t w = items_of(o_iu, sizeof(int32_t)), h = items_of(o_iv, sizeof(int32_t));
    if (w < 0 || h < 0) return NULL;
    if ((iu = take(&held, o_iu, "i", w, 0, "iu")) && (iv = take(&held, o_iv, "i", h, 0, "iv")) &&
        (res = take_residual(&held, o_res, h * w, &single)) &&
        (sums = take(&held, o_sums, "d", (Py_ssize_t)n * n, 1, "sums"))) {
        int bad = 0;
        for (Py_ssize_t x = 0; x < w; x++) bad |= iu[x] < 0 || iu[x] >= n;
        for (Py_ssize_t y = 0; y < h; y++) bad |= iv[y] < 0 || iv[y] >= n;
        double *rows = bad ? NULL : PyMem_Calloc((size_t)n * (size_t)w, sizeof(double));
        if (bad)
            PyErr_SetString(PyExc_ValueError, "a bin index is outside [0, n)");
        else if (rows == NULL)
            PyErr_NoMemory();
        else {
            Py_BEGIN_ALLOW_THREADS
            for (Py_ssize_t y = 0; y < h; y++) {
                double *dst = rows + (Py_ssize_t)iv[y] * w;
                if (single) {
                    const float *src = (const float *)res + y * w;
                    for (Py_ssize_t x = 0; x < w; x++) dst[x] += (double)src[x];
                } else {
                    const double *src = (const double *)res + y * w;
                    for (Py_ssize_t x = 0; x < w; x++) dst[x] += src[x];
                }
            }
            for (Py_ssize_t v = 0; v < n; v++) {
                const double *src = rows + v * w;
                double *bins = sums + v * n;
                for (Py_ssize_t x = 0; x < w; x++) bins[iu[x]] += src[x];
            }
            Py_END_ALLOW_THREADS
            PyMem_Free(rows);
            out = Py_None;
            Py_INCREF(out);
        }
    }
    release_all(&held);
    return out;
}

/* The float32 parabola offset of lattice.py's _parabola, in the same operation order. */
static float parabola(float a, float b, float c) {
    float den = (a - 2.0f * b) + c;
    if (!(den < 0.0f)) return 0.0f;
    float off = (0.5f * (a - c)) / den;
    return off < -0.5f ? -0.5f : (off > 0.5f ? 0.5f : off);
}

/* subpixel_peaks(acf, pred, radius, out_xy, out_w)
 *
 * acf: float32 (s*s), lag (0, 0) at its centre; pred: float64 (n*2) lattice points (x, y);
 * out_xy: float64 (n*2), out_w: float64 (n). The same steps as lattice._subpixel_peaks:
 * the first maximum of the (2 radius + 1)^2 patch around the rounded point, kept one pixel
 * inside the patch, refined by a parabola along each axis; its height (0 if negative).
 */
static PyObject *subpixel_peaks(PyObject *self, PyObject *args) {
    PyObject *o_acf, *o_pred, *o_xy, *o_w;
    int radius;
    if (!PyArg_ParseTuple(args, "OOiOO", &o_acf, &o_pred, &radius, &o_xy, &o_w)) return NULL;
    if (radius < 1 || radius > 16) {
        PyErr_SetString(PyExc_ValueError, "radius out of range");
        return NULL;
    }
    const Py_ssize_t cells = items_of(o_acf, sizeof(float)), n = items_of(o_pred, 16);
    if (cells < 0 || n < 0) return NULL;
    const Py_ssize_t side = (Py_ssize_t)sqrt((double)cells); /* a square ACF, checked below */
    Held held = {.count = 0};
    const float *a;
    const double *p;
    double *oxy, *ow;
    PyObject *out = NULL;
    if ((a = take(&held, o_acf, "f", side * side, 0, "acf")) &&
        (p = take(&held, o_pred, "d", 2 * n, 0, "pred")) &&
        (oxy = take(&held, o_xy, "d", 2 * n, 1, "out_xy")) &&
        (ow = take(&held, o_w, "d", n, 1, "out_w"))) {
        const Py_ssize_t c = (side - 1) / 2, k = 2 * radius + 1;
        int bad = 0;
        for (Py_ssize_t i = 0; i < n; i++) {
            const Py_ssize_t x0 = (Py_ssize_t)nearbyint(p[2 * i]) + c - radius;
            const Py_ssize_t y0 = (Py_ssize_t)nearbyint(p[2 * i + 1]) + c - radius;
            if (x0 < 0 || y0 < 0 || x0 + k > side || y0 + k > side) {
                bad = 1;
                break;
            }
            Py_ssize_t best = 0;
            float top = a[y0 * side + x0];
            for (Py_ssize_t j = 1; j < k * k; j++) {
                float v = a[(y0 + j / k) * side + x0 + j % k];
                if (v > top || (v != v && top == top)) { /* numpy's argmax: first max, NaN wins */
                    top = v;
                    best = j;
                }
            }
            Py_ssize_t py = best / k, px = best % k;
            py = py < 1 ? 1 : (py > k - 2 ? k - 2 : py);
            px = px < 1 ? 1 : (px > k - 2 ? k - 2 : px);
            const float *at = a + (y0 + py) * side + x0 + px;
            const float ctr = at[0];
            const float dx = parabola(at[-1], ctr, at[1]);
            const float dy = parabola(at[-side], ctr, at[side]);
            oxy[2 * i] = (double)(x0 + px) + (double)dx - (double)c;
            oxy[2 * i + 1] = (double)(y0 + py) + (double)dy - (double)c;
            ow[i] = (ctr > 0.0f || ctr != ctr) ? (double)ctr : 0.0; /* np.maximum(ctr, 0) */
        }
        if (bad)
            PyErr_SetString(PyExc_IndexError, "a lattice point's patch leaves the ACF");
        else {
            out = Py_None;
            Py_INCREF(out);
        }
    }
    release_all(&held);
    return out;
}

static PyMethodDef methods[] = {
    {"fold_bins", fold_bins, METH_VARARGS, "Sum and count residual pixels per tile bin."},
    {"fold_rows_cols", fold_rows_cols, METH_VARARGS, "Fold sums of an axis-aligned lattice."},
    {"subpixel_peaks", subpixel_peaks, METH_VARARGS, "Sub-pixel ACF peaks near lattice points."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_kernels", NULL, -1, methods};

PyMODINIT_FUNC PyInit__kernels(void) { return PyModule_Create(&module); }
