/* The watermark fold's inner loop: sum and count the residual per tile bin.
 *
 * Same arithmetic as the numpy path in sync.py (fixed-point tile coordinates, bins taken
 * in pixel order, float64 sums), in one pass instead of about ten whole-image numpy
 * passes and two bincounts. Plain C API and the buffer protocol: no numpy headers needed.
 * sync.py falls back to numpy when this module was not built; both give the same bits.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

static int get_buffer(PyObject *obj, Py_buffer *view, const char *fmt, Py_ssize_t items,
                      int writable, const char *name) {
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, view, flags) < 0) return -1;
    const char *got = view->format ? view->format : "B";
    if (got[0] == '=' || got[0] == '<' || got[0] == '@') got++;
    if (strcmp(got, fmt) != 0 || view->len != items * view->itemsize) {
        PyErr_Format(PyExc_ValueError, "%s: expected %zd items of format '%s'", name, items, fmt);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

/* One pass over the pixels; ``n * mask < 2^32`` is checked by the caller of the macro. */
#define FOLD_LOOP(pixels)                                                              \
    for (Py_ssize_t y = 0; y < h; y++) {                                               \
        const uint32_t ly_u = (uint32_t)lin_u[y], ly_v = (uint32_t)lin_v[y];           \
        const __typeof__(pixels[0]) *row = pixels + y * w;                             \
        for (Py_ssize_t x = 0; x < w; x++) {                                           \
            const uint32_t iu = ((((uint32_t)col_u[x] + ly_u) & mask) * un) >> fix;    \
            const uint32_t iv = ((((uint32_t)col_v[x] + ly_v) & mask) * un) >> fix;    \
            const uint32_t k = iv * un + iu;                                           \
            s[k] += (double)row[x];                                                    \
            c[k] += 1.0;                                                               \
        }                                                                              \
    }

/* fold_bins(residual, col_u, lin_u, col_v, lin_v, n, fix, sums, counts)
 *
 * residual: float32 or float64 (h*w); col_*: int32 (w); lin_*: int32 (h); the tile coordinate of
 * pixel (y, x) along each basis is frac = (col[x] + lin[y]) & (2^fix - 1); its bin is
 * (frac * n) >> fix. sums: float64 (n*n), counts: int64 (n*n), both zeroed by the caller.
 */
static PyObject *fold_bins(PyObject *self, PyObject *args) {
    PyObject *o_res, *o_cu, *o_lu, *o_cv, *o_lv, *o_sums, *o_counts;
    int n, fix;
    if (!PyArg_ParseTuple(args, "OOOOOiiOO", &o_res, &o_cu, &o_lu, &o_cv, &o_lv, &n, &fix,
                          &o_sums, &o_counts))
        return NULL;
    /* The bin arithmetic is 32-bit: (2^fix - 1) * n must stay below 2^32. */
    if (n < 1 || n > 1024 || fix < 1 || fix > 22) {
        PyErr_SetString(PyExc_ValueError, "n or fix out of range");
        return NULL;
    }
    Py_buffer cu, lu, cv, lv, res, sums, counts;
    PyObject *out = NULL;
    if (PyObject_GetBuffer(o_cu, &cu, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) return NULL;
    Py_ssize_t w = cu.len / (Py_ssize_t)sizeof(int32_t);
    PyBuffer_Release(&cu);
    if (PyObject_GetBuffer(o_lu, &lu, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) return NULL;
    Py_ssize_t h = lu.len / (Py_ssize_t)sizeof(int32_t);
    PyBuffer_Release(&lu);
    if (get_buffer(o_cu, &cu, "i", w, 0, "col_u") < 0) return NULL;
    if (get_buffer(o_lu, &lu, "i", h, 0, "lin_u") < 0) goto release_cu;
    if (get_buffer(o_cv, &cv, "i", w, 0, "col_v") < 0) goto release_lu;
    if (get_buffer(o_lv, &lv, "i", h, 0, "lin_v") < 0) goto release_cv;
    if (PyObject_GetBuffer(o_res, &res, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) goto release_lv;
    const int single = res.format != NULL && strchr(res.format, 'f') != NULL;
    PyBuffer_Release(&res);
    if (get_buffer(o_res, &res, single ? "f" : "d", h * w, 0, "residual") < 0) goto release_lv;
    if (get_buffer(o_sums, &sums, "d", (Py_ssize_t)n * n, 1, "sums") < 0) goto release_res;
    if (get_buffer(o_counts, &counts, "d", (Py_ssize_t)n * n, 1, "counts") < 0)
        goto release_sums;
    {
        const int32_t *col_u = cu.buf, *lin_u = lu.buf, *col_v = cv.buf, *lin_v = lv.buf;
        const float *r32 = res.buf;
        const double *r64 = res.buf;
        double *s = sums.buf;
        double *c = counts.buf;
        const uint32_t mask = (1u << fix) - 1u;
        const uint32_t un = (uint32_t)n;
        Py_BEGIN_ALLOW_THREADS
        if (single)
            FOLD_LOOP(r32)
        else
            FOLD_LOOP(r64)
        Py_END_ALLOW_THREADS
        out = Py_None;
        Py_INCREF(out);
    }
    PyBuffer_Release(&counts);
release_sums:
    PyBuffer_Release(&sums);
release_res:
    PyBuffer_Release(&res);
release_lv:
    PyBuffer_Release(&lv);
release_cv:
    PyBuffer_Release(&cv);
release_lu:
    PyBuffer_Release(&lu);
release_cu:
    PyBuffer_Release(&cu);
    return out;
}

static PyMethodDef methods[] = {
    {"fold_bins", fold_bins, METH_VARARGS, "Sum and count residual pixels per tile bin."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_foldc", NULL, -1, methods};

PyMODINIT_FUNC PyInit__foldc(void) { return PyModule_Create(&module); }
