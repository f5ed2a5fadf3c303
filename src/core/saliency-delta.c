/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <string.h>

#include "kernels/conv-private.h"
#include "kernels/cpu-features.h"
#include "saliency-private.h"

/* Channel-sparse delta updates of an int8 pointwise (1x1) CONV_2D, for incremental
 * occlusion (saliency-incremental.c).
 *
 * In the late layers of a MobileNet every window's projective field covers the whole
 * 6x6 or 3x3 map, but only a fraction of the values (pixel x channel) of each input
 * differs from the clean run (10 to 30% on person_detect with 8x8 windows). The
 * accumulator of output channel o at pixel p is
 *     acc[p][o] = bias[o] + sum over c of w[o][c] * (x[p][c] - zp_in),
 * so with the clean run's accumulators kept,
 *     acc_new[p][o] = acc_clean[p][o] + sum over changed c of w[o][c] * (x_new - x_clean):
 * the zero point cancels in the difference, and the cost is one row of weights per
 * changed value instead of the whole input depth. The accumulators are int32 sums that
 * wrap modulo 2^32 like the kernels' (conv-optimized.c): the reference's sum, when it
 * does not overflow, equals the clean sum plus the changes modulo 2^32, so acc_new is
 * the reference's accumulator exactly, and it is requantized by the same per-channel
 * MBQM and clamp (requantize-row.h). Pixels whose input did not change keep their clean
 * output, which the caller's tensor still holds.
 *
 * The weights are kept transposed, in passes of 64 outputs [out_c / 64][in_c][64] (zero
 * beyond out_c), so that a changed value reads one contiguous row of a pass. Two
 * changed channels c1, c2 of a pixel are processed together: their rows of 16 outputs, widened to int16 and
 * interleaved, times the broadcast pair (d1, d2) give with _mm256_madd_epi16 the two-term
 * sums of 8 outputs. |d| <= 255 and |w| <= 128: each product fits int16 range and a
 * pair's sum (at most 2 * 32640 in magnitude) fits madd's int32 lanes. */

/* Above this share of changed values (changed * DENSE_DENOMINATOR > values *
 * DENSE_NUMERATOR) the dense kernel is cheaper. */
#define DENSE_NUMERATOR   1
#define DENSE_DENOMINATOR 2
/* Output channels per pass of the AVX2 path: 4 blocks of 16, 8 accumulators. */
#define BLOCK            16
#define BLOCKS_PER_PASS  4
#define PASS             (BLOCK * BLOCKS_PER_PASS)
#define MAX_IN_CHANNELS  4096

struct _SaliencyPointwiseDelta
{
  const BitlensConvParams *params;
  int                      height;
  int                      width;
  int                      in_c;
  int                      out_c;
  int                      out_stride;
  const gint8             *clean_input;
  gint8                   *transposed;     /* [out_stride / PASS][in_c][PASS] */
  gint32                  *clean_acc;      /* [height * width][out_stride] */
  gboolean                 avx2;
};

static int
n_passes (const SaliencyPointwiseDelta *self)
{
  return (self->out_c + PASS - 1) / PASS;
}

/* Where w[o][c] lies in the transposed weights: each pass's 64 outputs of all input
 * channels together, so that a pass reads one contiguous block (16 KB for 256 input
 * channels), which a row stride of out_c bytes would spread over few cache sets. */
static gsize
transposed_index (const SaliencyPointwiseDelta *self,
                  int                           c,
                  int                           o)
{
  return ((gsize) (o / PASS) * self->in_c + c) * PASS + o % PASS;
}

static gboolean
op_is_delta_pointwise (const BitlensModel *model,
                       const BitlensOp    *op)
{
  const BitlensConvParams *params = op->prepared;
  const BitlensWindow *w;
  const BitlensTensor *filter;

  if (op->kind != BITLENS_OP_CONV_2D || params == NULL || params->type != BITLENS_TYPE_INT8 ||
      params->packed_filter == NULL)
    return FALSE;
  w = &params->window;
  filter = bitlens_op_input (model, op, 1);
  return filter != NULL && filter->data != NULL && filter->type == BITLENS_TYPE_INT8 &&
         w->batches == 1 && w->filter_h == 1 && w->filter_w == 1 && w->stride_h == 1 && w->stride_w == 1 &&
         w->pad_top == 0 && w->pad_left == 0 && w->in_h == w->out_h && w->in_w == w->out_w &&
         params->filter_in_c == w->in_c && params->filters_per_group == w->out_c &&
         w->in_c <= MAX_IN_CHANNELS && w->out_c > 0 && w->in_c > 0;
}

/* For each byte m of a changed-value mask (8 channels), the pshufb control that packs
 * the int16 lanes j with bit j of m set to the front (and zeros after). */
static guint8 compact_shuffles[256][16];

static void
compact_shuffles_init (void)
{
  static gsize initialized = 0;

  if (!g_once_init_enter (&initialized))
    return;
  for (int m = 0; m < 256; m++)
    {
      int k = 0;

      for (int j = 0; j < 8; j++)
        if (m & (1 << j))
          {
            compact_shuffles[m][2 * k] = (guint8) (2 * j);
            compact_shuffles[m][2 * k + 1] = (guint8) (2 * j + 1);
            k++;
          }
      for (; k < 8; k++)
        compact_shuffles[m][2 * k] = compact_shuffles[m][2 * k + 1] = 0x80;
    }
  g_once_init_leave (&initialized, 1);
}

static void clean_accumulators_portable (SaliencyPointwiseDelta *self,
                                         const gint32           *initial);
#ifdef BITLENS_REQUANTIZE_HAVE_AVX2
static void clean_accumulators_avx2     (SaliencyPointwiseDelta *self,
                                         const gint32           *initial);
#endif

SaliencyPointwiseDelta *
saliency_pointwise_delta_new (const BitlensModel *model,
                              guint               op_index,
                              const gint8        *clean_input)
{
  const BitlensOp *op = bitlens_model_get_op (model, op_index);
  const BitlensConvParams *params = op->prepared;
  const BitlensWindow *w;
  const gint8 *filter;
  SaliencyPointwiseDelta *self;
  gsize n_pixels, n_transposed, n_acc;
  g_autofree gint32 *initial = NULL;

  if (!op_is_delta_pointwise (model, op) || clean_input == NULL)
    return NULL;
  compact_shuffles_init ();
  w = &params->window;
  filter = (const gint8 *) bitlens_op_input (model, op, 1)->data;

  self = g_new0 (SaliencyPointwiseDelta, 1);
  self->params = params;
  self->height = w->out_h;
  self->width = w->out_w;
  self->in_c = w->in_c;
  self->out_c = w->out_c;
  self->out_stride = (w->out_c + BLOCK - 1) / BLOCK * BLOCK;
  self->clean_input = clean_input;
  self->avx2 = bitlens_cpu_has_avx2 ();

  /* The tensors exist, so these products fit in memory (the op's prepare checked). */
  n_pixels = (gsize) w->out_h * w->out_w;
  n_transposed = (gsize) w->in_c * n_passes (self) * PASS;
  n_acc = n_pixels * self->out_stride;
  self->transposed = g_new0 (gint8, n_transposed);
  self->clean_acc = g_new0 (gint32, n_acc);
  for (int o = 0; o < w->out_c; o++)
    for (int c = 0; c < w->in_c; c++)
      self->transposed[transposed_index (self, c, o)] = filter[(gsize) o * w->in_c + c];

  /* The bias (or 0) of each output, zero beyond out_c. */
  initial = g_new0 (gint32, self->out_stride);
  memcpy (initial, params->requantize_lanes.start, sizeof (gint32) * w->out_c);
#ifdef BITLENS_REQUANTIZE_HAVE_AVX2
  if (self->avx2)
    clean_accumulators_avx2 (self, initial);
  else
#endif
    clean_accumulators_portable (self, initial);
  return self;
}

void
saliency_pointwise_delta_free (SaliencyPointwiseDelta *self)
{
  if (self == NULL)
    return;
  g_free (self->transposed);
  g_free (self->clean_acc);
  g_free (self);
}

/* ---- the changed values of a pixel ---- */

/* The rows of the transposed weights (c * stride) of the channels c where x differs
 * from clean, and x - clean there; returns their number. */
static int
list_changed_portable (const gint8 *x,
                       const gint8 *clean,
                       int          n,
                       guint32      stride,
                       guint32     *rows,
                       gint16      *deltas)
{
  int count = 0;

  for (int c = 0; c < n; c++)
    if (x[c] != clean[c])
      {
        rows[count] = (guint32) c * stride;
        deltas[count] = (gint16) (x[c] - clean[c]);
        count++;
      }
  return count;
}

/* acc = clean + the changes, then requantized into all out_c outputs of the pixel. */
static void
pixel_portable (const SaliencyPointwiseDelta *self,
                const gint32                 *clean_acc,
                const guint32                *rows,
                const gint16                 *deltas,
                int                           n,
                gint8                        *out)
{
  for (int o = 0; o < self->out_c; o++)
    {
      guint32 acc = (guint32) clean_acc[o];

      for (int k = 0; k < n; k++)
        acc += (guint32) ((gint32) deltas[k] * (gint32) self->transposed[transposed_index (self, 0, o) + rows[k]]);
      out[o] = bitlens_requantize_apply (&self->params->requantize, (gint32) acc, o);
    }
}

#ifdef BITLENS_REQUANTIZE_HAVE_AVX2
/* Without a branch per changed value (whose mispredictions cost more than the rest):
 * each group of 8 channels stores its deltas and row offsets packed by a pshufb from
 * the table, all 8 lanes (the ones after the changed ones are overwritten by the next
 * group), and advances by the number of changes. Writes up to 8 entries past the
 * returned count. */
__attribute__((target("avx2,popcnt")))
static inline void
list_group_avx2 (__m128i      differences,
                 guint        mask,
                 int          first_channel,
                 guint32     *rows,
                 gint16      *deltas,
                 int         *count)
{
  __m128i shuffle = _mm_loadu_si128 ((const __m128i *) compact_shuffles[mask]);
  __m128i channels = _mm_add_epi16 (_mm_set1_epi16 ((gint16) first_channel), _mm_setr_epi16 (0, 1, 2, 3, 4, 5, 6, 7));
  __m256i offsets = _mm256_mullo_epi32 (_mm256_cvtepu16_epi32 (_mm_shuffle_epi8 (channels, shuffle)),
                                        _mm256_set1_epi32 (PASS));

  _mm_storeu_si128 ((__m128i *) (deltas + *count), _mm_shuffle_epi8 (differences, shuffle));
  _mm256_storeu_si256 ((__m256i *) (rows + *count), offsets);
  *count += __builtin_popcount (mask);
}

__attribute__((target("avx2,popcnt")))
static int
list_changed_avx2 (const gint8 *x,
                   const gint8 *clean,
                   int          n,
                   guint32      stride,
                   guint32     *rows,
                   gint16      *deltas)
{
  int count = 0, c = 0, tail;

  g_assert (stride == PASS);
  for (; c + 32 <= n; c += 32)
    {
      __m256i a = _mm256_loadu_si256 ((const __m256i *) (x + c));
      __m256i b = _mm256_loadu_si256 ((const __m256i *) (clean + c));
      guint32 mask = ~(guint32) _mm256_movemask_epi8 (_mm256_cmpeq_epi8 (a, b));
      __m256i low = _mm256_sub_epi16 (_mm256_cvtepi8_epi16 (_mm256_castsi256_si128 (a)),
                                      _mm256_cvtepi8_epi16 (_mm256_castsi256_si128 (b)));
      __m256i high = _mm256_sub_epi16 (_mm256_cvtepi8_epi16 (_mm256_extracti128_si256 (a, 1)),
                                       _mm256_cvtepi8_epi16 (_mm256_extracti128_si256 (b, 1)));

      list_group_avx2 (_mm256_castsi256_si128 (low), mask & 0xff, c, rows, deltas, &count);
      list_group_avx2 (_mm256_extracti128_si256 (low, 1), (mask >> 8) & 0xff, c + 8, rows, deltas, &count);
      list_group_avx2 (_mm256_castsi256_si128 (high), (mask >> 16) & 0xff, c + 16, rows, deltas, &count);
      list_group_avx2 (_mm256_extracti128_si256 (high, 1), mask >> 24, c + 24, rows, deltas, &count);
    }
  /* Groups of 8 (the early layers' 8 and 16 channels). */
  for (; c + 8 <= n; c += 8)
    {
      __m128i a = _mm_cvtepi8_epi16 (_mm_loadl_epi64 ((const __m128i *) (x + c)));
      __m128i b = _mm_cvtepi8_epi16 (_mm_loadl_epi64 ((const __m128i *) (clean + c)));
      /* One mask bit per int16 lane: the even bytes of the 16-bit compare. */
      guint mask = ~(guint) _mm_movemask_epi8 (_mm_packs_epi16 (_mm_cmpeq_epi16 (a, b), _mm_setzero_si128 ())) & 0xff;

      list_group_avx2 (_mm_sub_epi16 (a, b), mask, c, rows, deltas, &count);
    }
  /* The tail, whose channels list_changed_portable counts from c. */
  tail = count;
  count += list_changed_portable (x + c, clean + c, n - c, stride, rows + count, deltas + count);
  for (; tail < count; tail++)
    rows[tail] += (guint32) c * stride;
  /* pass_avx2 takes the changes two by two: a spare zero change after an odd count. */
  rows[count] = 0;
  deltas[count] = 0;
  return count;
}

/* Outputs [o, o + 16) (those below out_c) from the accumulators lo, hi of pass_avx2. */
__attribute__((target("avx2"), always_inline))
static inline void
store_block_avx2 (const SaliencyPointwiseDelta *self,
                  const BitlensRequantizeLanes *lanes,
                  const BitlensRequantize      *requantize,
                  int                           o,
                  __m256i                       lo,
                  __m256i                       hi,
                  gint8                        *out)
{
  int n_store = MIN (BLOCK, self->out_c - o);
  __m256i first = _mm256_permute2x128_si256 (lo, hi, 0x20);
  __m256i second = _mm256_permute2x128_si256 (lo, hi, 0x31);

  /* The lanes hold out_c rounded up to 8 channels: a last half beyond is not read. */
  first = bitlens_requantize_lanes_avx2 (lanes, requantize, o, first);
  if (n_store > 8)
    {
      gint8 bytes[BLOCK];

      second = bitlens_requantize_lanes_avx2 (lanes, requantize, o + 8, second);
      if (n_store == BLOCK)
        _mm_storeu_si128 ((__m128i *) (out + o), bitlens_pack16_int8_avx2 (first, second));
      else
        {
          _mm_storeu_si128 ((__m128i *) bytes, bitlens_pack16_int8_avx2 (first, second));
          memcpy (out + o, bytes, n_store);
        }
    }
  else if (n_store == 8)
    _mm_storel_epi64 ((__m128i *) (out + o), bitlens_pack8_int8_avx2 (first));
  else
    bitlens_store_partial_int8 (out + o, bitlens_pack8_int8_avx2 (first), n_store);
}

/* One pass over @nb (1..4, a constant after inlining) blocks of 16 outputs from o0.
 * The accumulators of block b are kept as lo_b = outputs {0..3, 8..11} and hi_b =
 * {4..7, 12..15}: the order that unpacking two rows of 16 int16 weights within 128-bit
 * halves produces. Named variables, which GCC keeps in registers (an array of vectors
 * went through memory). */
__attribute__((target("avx2"), always_inline))
static inline void
pass_avx2 (const SaliencyPointwiseDelta *self,
           const BitlensRequantizeLanes *lanes,
           const BitlensRequantize      *requantize,
           const gint32                 *clean_acc,
           const guint32                *rows,
           const gint16                 *deltas,
           int                           n,
           int                           o0,
           gint8                        *out,
           gint32                       *raw,
           const int                     nb)
{
  const gint8 *base = self->transposed + transposed_index (self, 0, o0);
  __m256i lo0, hi0, lo1, hi1, lo2, hi2, lo3, hi3;

#define BITLENS_DELTA_LOAD(b)                                                                     \
  if (nb > b)                                                                                     \
    {                                                                                             \
      __m256i first = _mm256_loadu_si256 ((const __m256i *) (clean_acc + o0 + BLOCK * b));        \
      __m256i second = _mm256_loadu_si256 ((const __m256i *) (clean_acc + o0 + BLOCK * b + 8));   \
      lo##b = _mm256_permute2x128_si256 (first, second, 0x20);                                    \
      hi##b = _mm256_permute2x128_si256 (first, second, 0x31);                                    \
    }                                                                                             \
  else                                                                                            \
    lo##b = hi##b = _mm256_setzero_si256 ();
  BITLENS_DELTA_LOAD (0)
  BITLENS_DELTA_LOAD (1)
  BITLENS_DELTA_LOAD (2)
  BITLENS_DELTA_LOAD (3)
#undef BITLENS_DELTA_LOAD

  /* An odd count has a spare zero change after it. */
  for (int k = 0; k < n; k += 2)
    {
      const gint8 *row1 = base + rows[k];
      const gint8 *row2 = base + rows[k + 1];
      guint32 pair;
      __m256i factors;

      memcpy (&pair, deltas + k, sizeof pair);
      factors = _mm256_set1_epi32 ((gint32) pair);

#define BITLENS_DELTA_BLOCK(b)                                                                    \
      if (nb > b)                                                                                 \
        {                                                                                         \
          __m256i w1 = _mm256_cvtepi8_epi16 (_mm_loadu_si128 ((const __m128i *) (row1 + BLOCK * b))); \
          __m256i w2 = _mm256_cvtepi8_epi16 (_mm_loadu_si128 ((const __m128i *) (row2 + BLOCK * b))); \
          lo##b = _mm256_add_epi32 (lo##b, _mm256_madd_epi16 (_mm256_unpacklo_epi16 (w1, w2), factors)); \
          hi##b = _mm256_add_epi32 (hi##b, _mm256_madd_epi16 (_mm256_unpackhi_epi16 (w1, w2), factors)); \
        }
      BITLENS_DELTA_BLOCK (0)
      BITLENS_DELTA_BLOCK (1)
      BITLENS_DELTA_BLOCK (2)
      BITLENS_DELTA_BLOCK (3)
#undef BITLENS_DELTA_BLOCK
    }

  if (raw != NULL)
    {
      /* The accumulators themselves (the clean run's), in channel order. */
#define BITLENS_DELTA_RAW(b)                                                                      \
      if (nb > b)                                                                                 \
        {                                                                                         \
          _mm256_storeu_si256 ((__m256i *) (raw + o0 + BLOCK * b), _mm256_permute2x128_si256 (lo##b, hi##b, 0x20)); \
          _mm256_storeu_si256 ((__m256i *) (raw + o0 + BLOCK * b + 8), _mm256_permute2x128_si256 (lo##b, hi##b, 0x31)); \
        }
      BITLENS_DELTA_RAW (0)
      BITLENS_DELTA_RAW (1)
      BITLENS_DELTA_RAW (2)
      BITLENS_DELTA_RAW (3)
#undef BITLENS_DELTA_RAW
      return;
    }
  store_block_avx2 (self, lanes, requantize, o0, lo0, hi0, out);
  if (nb > 1)
    store_block_avx2 (self, lanes, requantize, o0 + BLOCK, lo1, hi1, out);
  if (nb > 2)
    store_block_avx2 (self, lanes, requantize, o0 + 2 * BLOCK, lo2, hi2, out);
  if (nb > 3)
    store_block_avx2 (self, lanes, requantize, o0 + 3 * BLOCK, lo3, hi3, out);
}

#endif

/* The changed pixels of one call, in the scratch: pixel p's changes are rows/deltas
 * [start, start + n), n rounded up to even with a spare zero change. */
typedef struct
{
  gsize p;
  gsize start;
  int   n;
} ChangedPixel;

struct _SaliencyDeltaScratch
{
  guint32      *rows;
  gint16       *deltas;
  gsize         capacity;
  ChangedPixel *pixels;
  gsize         pixel_capacity;
};

SaliencyDeltaScratch *
saliency_delta_scratch_new (void)
{
  return g_new0 (SaliencyDeltaScratch, 1);
}

void
saliency_delta_scratch_free (SaliencyDeltaScratch *scratch)
{
  if (scratch == NULL)
    return;
  g_free (scratch->rows);
  g_free (scratch->deltas);
  g_free (scratch->pixels);
  g_free (scratch);
}

static void
scratch_reserve (SaliencyDeltaScratch *scratch,
                 gsize                 changes,
                 gsize                 pixels)
{
  if (changes > scratch->capacity)
    {
      scratch->capacity = MAX (changes, 2 * scratch->capacity);
      scratch->rows = g_renew (guint32, scratch->rows, scratch->capacity);
      scratch->deltas = g_renew (gint16, scratch->deltas, scratch->capacity);
    }
  if (pixels > scratch->pixel_capacity)
    {
      scratch->pixel_capacity = MAX (pixels, 2 * scratch->pixel_capacity);
      scratch->pixels = g_renew (ChangedPixel, scratch->pixels, scratch->pixel_capacity);
    }
}

static void
apply_portable (const SaliencyPointwiseDelta *self,
                const SaliencyDeltaScratch   *scratch,
                gsize                         n_pixels,
                gint8                        *output)
{
  for (gsize i = 0; i < n_pixels; i++)
    {
      const ChangedPixel *pixel = &scratch->pixels[i];

      pixel_portable (self, self->clean_acc + pixel->p * self->out_stride, scratch->rows + pixel->start,
                      scratch->deltas + pixel->start, pixel->n, output + pixel->p * self->out_c);
    }
}

#ifdef BITLENS_REQUANTIZE_HAVE_AVX2
/* One pass of outputs over every changed pixel: the pass's slice of the weights (64
 * bytes per input channel) stays in L1 from pixel to pixel. */
__attribute__((target("avx2"), always_inline))
static inline void
pass_pixels_avx2 (const SaliencyPointwiseDelta *self,
                  const BitlensRequantizeLanes *lanes,
                  const BitlensRequantize      *requantize,
                  const SaliencyDeltaScratch   *scratch,
                  gsize                         n_pixels,
                  int                           o0,
                  gint8                        *output,
                  const int                     nb)
{
  for (gsize i = 0; i < n_pixels; i++)
    {
      const ChangedPixel *pixel = &scratch->pixels[i];

      pass_avx2 (self, lanes, requantize, self->clean_acc + pixel->p * self->out_stride,
                 scratch->rows + pixel->start, scratch->deltas + pixel->start, pixel->n, o0,
                 output + pixel->p * self->out_c, NULL, nb);
    }
}

__attribute__((target("avx2")))
static void
apply_avx2 (const SaliencyPointwiseDelta *self,
            const SaliencyDeltaScratch   *scratch,
            gsize                         n_pixels,
            gint8                        *output)
{
  /* Local copies, which the int8 stores cannot alias. */
  BitlensRequantizeLanes lanes = self->params->requantize_lanes;
  BitlensRequantize requantize = self->params->requantize;

  for (int o0 = 0; o0 < self->out_c; o0 += BLOCK * BLOCKS_PER_PASS)
    switch (MIN (BLOCKS_PER_PASS, (self->out_c - o0 + BLOCK - 1) / BLOCK))
      {
      case 4: pass_pixels_avx2 (self, &lanes, &requantize, scratch, n_pixels, o0, output, 4); break;
      case 3: pass_pixels_avx2 (self, &lanes, &requantize, scratch, n_pixels, o0, output, 3); break;
      case 2: pass_pixels_avx2 (self, &lanes, &requantize, scratch, n_pixels, o0, output, 2); break;
      default: pass_pixels_avx2 (self, &lanes, &requantize, scratch, n_pixels, o0, output, 1); break;
      }
}
#endif

#ifdef BITLENS_REQUANTIZE_HAVE_AVX2
/* The clean accumulators with the delta kernel: from the bias, every channel changed
 * by x - zp_in (in [-255, 255] like any delta). */
__attribute__((target("avx2")))
static void
clean_accumulators_avx2 (SaliencyPointwiseDelta *self,
                         const gint32           *initial)
{
  BitlensRequantizeLanes lanes = self->params->requantize_lanes;
  BitlensRequantize requantize = self->params->requantize;
  g_autofree guint32 *rows = g_new (guint32, self->in_c + 1);
  g_autofree gint16 *deltas = g_new (gint16, self->in_c + 1);

  for (int c = 0; c < self->in_c; c++)
    rows[c] = (guint32) c * PASS;
  rows[self->in_c] = 0;
  deltas[self->in_c] = 0;
  for (gsize p = 0; p < (gsize) self->height * self->width; p++)
    {
      const gint8 *x = self->clean_input + p * self->in_c;
      gint32 *acc = self->clean_acc + p * self->out_stride;

      for (int c = 0; c < self->in_c; c++)
        deltas[c] = (gint16) (x[c] + requantize.input_offset);
      for (int o0 = 0; o0 < self->out_c; o0 += PASS)
        switch (MIN (BLOCKS_PER_PASS, (self->out_c - o0 + BLOCK - 1) / BLOCK))
          {
          case 4: pass_avx2 (self, &lanes, &requantize, initial, rows, deltas, self->in_c, o0, NULL, acc, 4); break;
          case 3: pass_avx2 (self, &lanes, &requantize, initial, rows, deltas, self->in_c, o0, NULL, acc, 3); break;
          case 2: pass_avx2 (self, &lanes, &requantize, initial, rows, deltas, self->in_c, o0, NULL, acc, 2); break;
          default: pass_avx2 (self, &lanes, &requantize, initial, rows, deltas, self->in_c, o0, NULL, acc, 1); break;
          }
    }
}
#endif

static void
clean_accumulators_portable (SaliencyPointwiseDelta *self,
                             const gint32           *initial)
{
  for (gsize p = 0; p < (gsize) self->height * self->width; p++)
    {
      const gint8 *x = self->clean_input + p * self->in_c;
      gint32 *acc = self->clean_acc + p * self->out_stride;

      for (int o = 0; o < self->out_c; o++)
        {
          guint32 sum = (guint32) initial[o];

          for (int c = 0; c < self->in_c; c++)
            sum += (guint32) ((gint32) self->transposed[transposed_index (self, c, o)] *
                              ((gint32) x[c] + self->params->requantize.input_offset));
          acc[o] = (gint32) sum;
        }
    }
}

gboolean
saliency_pointwise_delta_run (const SaliencyPointwiseDelta *self,
                              SaliencyDeltaScratch         *scratch,
                              const gint8                  *input,
                              gint8                        *output,
                              const BitlensRegion          *rect,
                              guint64                      *n_pixels)
{
  int (*list_changed) (const gint8 *, const gint8 *, int, guint32, guint32 *, gint16 *) = list_changed_portable;
  void (*apply) (const SaliencyPointwiseDelta *, const SaliencyDeltaScratch *, gsize, gint8 *) = apply_portable;
  gsize limit, changed = 0, used = 0, n_changed_pixels = 0, area;

  g_assert (rect->y0 >= 0 && rect->y1 <= self->height && rect->x0 >= 0 && rect->x1 <= self->width);
  if (saliency_rect_is_empty (rect))
    return TRUE;
#ifdef BITLENS_REQUANTIZE_HAVE_AVX2
  if (self->avx2)
    {
      list_changed = list_changed_avx2;
      apply = apply_avx2;
    }
#endif

  /* The lists, unless so many values changed that the dense kernel is cheaper. Before
   * the check, a pixel's list may take in_c changes and write 8 entries past them;
   * each list rounds up to even. */
  area = (gsize) (rect->y1 - rect->y0) * (rect->x1 - rect->x0);
  limit = area * self->in_c / DENSE_DENOMINATOR * DENSE_NUMERATOR;
  scratch_reserve (scratch, limit + area + self->in_c + 16, area);
  for (int y = rect->y0; y < rect->y1; y++)
    for (int x = rect->x0; x < rect->x1; x++)
      {
        gsize p = (gsize) y * self->width + x;
        int n = list_changed (input + p * self->in_c, self->clean_input + p * self->in_c, self->in_c,
                              PASS, scratch->rows + used, scratch->deltas + used);

        changed += (gsize) n;
        if (changed > limit)
          return FALSE;
        if (n == 0)
          continue;
        scratch->pixels[n_changed_pixels++] = (ChangedPixel) { p, used, n };
        used += (gsize) (n + 1) / 2 * 2;
      }
  apply (self, scratch, n_changed_pixels, output);
  if (n_pixels != NULL)
    *n_pixels += n_changed_pixels;
  return TRUE;
}
