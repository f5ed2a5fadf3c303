/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-test"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "test-util.h"

/* Resizing (area averaging when shrinking, bilinear when enlarging, one rounding) and input
 * preprocessing, checked on hand-worked values and against a naive implementation written
 * here from the definition in bitlens-image-resize.c. */

static BitlensImage *
image_from_gray (int           width,
                 int           height,
                 const guint8 *values)
{
  BitlensImage *image = bitlens_image_new (width, height);

  for (int i = 0; i < width * height; i++)
    memset (image->pixels + 3 * i, values[i], 3);
  return image;
}

static void
assert_gray_pixels (const BitlensImage *image,
                    int                 width,
                    int                 height,
                    const guint8       *expected)
{
  g_assert_cmpint (image->width, ==, width);
  g_assert_cmpint (image->height, ==, height);
  for (int i = 0; i < width * height; i++)
    for (int c = 0; c < 3; c++)
      g_assert_cmpuint (image->pixels[3 * i + c], ==, expected[i]);
}

static void
fill_random (BitlensImage *image,
             guint32       seed)
{
  guint32 x = seed;

  for (gsize i = 0; i < (gsize) image->width * image->height * 3; i++)
    {
      x ^= x << 13;
      x ^= x >> 17;
      x ^= x << 5;
      image->pixels[i] = x >> 24;
    }
}

static void
test_resize_same_size_is_a_copy (void)
{
  g_autoptr(BitlensImage) image = bitlens_image_new (37, 23);
  g_autoptr(BitlensImage) resized = NULL;

  fill_random (image, 7);
  resized = bitlens_image_resize (image, 37, 23);
  g_assert_true (resized != image);
  g_assert_true (resized->pixels != image->pixels);
  g_assert_cmpint (resized->width, ==, 37);
  g_assert_cmpint (resized->height, ==, 23);
  g_assert_cmpmem (resized->pixels, 37 * 23 * 3, image->pixels, 37 * 23 * 3);
}

static void
test_resize_constant_stays_constant (void)
{
  const int sizes[][4] = {
    { 7, 5, 3, 11 }, { 5, 5, 96, 96 }, { 1, 1, 4, 3 }, { 97, 13, 1, 1 },
    { 300, 200, 96, 96 }, { 96, 96, 227, 227 }, { 2, 9, 9, 2 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autoptr(BitlensImage) image = bitlens_image_new (sizes[i][0], sizes[i][1]);
      g_autoptr(BitlensImage) resized = NULL;

      for (int p = 0; p < sizes[i][0] * sizes[i][1]; p++)
        {
          image->pixels[3 * p] = 17;
          image->pixels[3 * p + 1] = 200;
          image->pixels[3 * p + 2] = 255;
        }
      resized = bitlens_image_resize (image, sizes[i][2], sizes[i][3]);
      g_assert_cmpint (resized->width, ==, sizes[i][2]);
      g_assert_cmpint (resized->height, ==, sizes[i][3]);
      for (int p = 0; p < sizes[i][2] * sizes[i][3]; p++)
        {
          g_assert_cmpuint (resized->pixels[3 * p], ==, 17);
          g_assert_cmpuint (resized->pixels[3 * p + 1], ==, 200);
          g_assert_cmpuint (resized->pixels[3 * p + 2], ==, 255);
        }
    }
}

/* 4 x 4 -> 2 x 2: each output is the mean of a 2 x 2 block, rounded half up. */
static void
test_resize_area_2x2_blocks (void)
{
  static const guint8 values[16] = {
    1, 2,      10, 20,
    3, 4,      30, 41,
    255, 255,  0, 0,
    255, 254,  0, 1,
  };
  /* (1+2+3+4)/4 = 2.5 -> 3; 101/4 = 25.25 -> 25; 1019/4 = 254.75 -> 255; 1/4 -> 0 */
  static const guint8 expected[4] = { 3, 25, 255, 0 };
  g_autoptr(BitlensImage) image = image_from_gray (4, 4, values);
  g_autoptr(BitlensImage) resized = bitlens_image_resize (image, 2, 2);

  assert_gray_pixels (resized, 2, 2, expected);
}

/* 3 -> 2 along x: output 0 covers source [0, 1.5): 2/3 of pixel 0 and 1/3 of pixel 1. */
static void
test_resize_area_fractional (void)
{
  static const guint8 row_a[3] = { 0, 30, 90 };
  static const guint8 expected_a[2] = { 10, 70 };                /* (2*0 + 30)/3, (30 + 2*90)/3 */
  static const guint8 row_b[3] = { 100, 101, 0 };
  static const guint8 expected_b[2] = { 100, 34 };               /* 100.33 -> 100, 33.67 -> 34 */
  static const guint8 all[3] = { 0, 1, 1 };
  static const guint8 expected_all[1] = { 1 };                   /* 2/3 -> 1 */
  g_autoptr(BitlensImage) a = image_from_gray (3, 1, row_a);
  g_autoptr(BitlensImage) b = image_from_gray (3, 1, row_b);
  g_autoptr(BitlensImage) c = image_from_gray (3, 1, all);
  g_autoptr(BitlensImage) ra = bitlens_image_resize (a, 2, 1);
  g_autoptr(BitlensImage) rb = bitlens_image_resize (b, 2, 1);
  g_autoptr(BitlensImage) rc = bitlens_image_resize (c, 1, 1);

  assert_gray_pixels (ra, 2, 1, expected_a);
  assert_gray_pixels (rb, 2, 1, expected_b);
  assert_gray_pixels (rc, 1, 1, expected_all);
}

/* Bilinear with half-pixel centres: x = (d + 1/2) * S / D - 1/2, clamped to [0, S - 1]. */
static void
test_resize_bilinear_points (void)
{
  /* 2 -> 4: x = -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1). */
  static const guint8 two[2] = { 0, 100 };
  static const guint8 expected_four[4] = { 0, 25, 75, 100 };
  /* 2 -> 3: x = -1/6 (0), 1/2 -> 50.5 rounds half up to 51, 7/6 (1). */
  static const guint8 two_b[2] = { 0, 101 };
  static const guint8 expected_three[3] = { 0, 51, 101 };
  /* 3 -> 5 vertically: x = -0.2 (0), 0.4, 1.0, 1.6, 2.2 (2):
   * 0, 0.6*10 + 0.4*20 = 14, 20, 0.4*20 + 0.6*255 = 161, 255. */
  static const guint8 column[3] = { 10, 20, 255 };
  static const guint8 expected_column[5] = { 10, 14, 20, 161, 255 };
  g_autoptr(BitlensImage) a = image_from_gray (2, 1, two);
  g_autoptr(BitlensImage) b = image_from_gray (2, 1, two_b);
  g_autoptr(BitlensImage) c = image_from_gray (1, 3, column);
  g_autoptr(BitlensImage) ra = bitlens_image_resize (a, 4, 1);
  g_autoptr(BitlensImage) rb = bitlens_image_resize (b, 3, 1);
  g_autoptr(BitlensImage) rc = bitlens_image_resize (c, 1, 5);

  assert_gray_pixels (ra, 4, 1, expected_four);
  assert_gray_pixels (rb, 3, 1, expected_three);
  assert_gray_pixels (rc, 1, 5, expected_column);
}

/* Shrinking x (3 -> 2) and enlarging y (2 -> 4) at once, rounded once at the end:
 * rows after x: (7, 19/3) and (7/3, 5); y weights 1 | 3/4,1/4 | 1/4,3/4 | 1.
 * Row 2, column 0: 7/4 + 3/4 * 7/3 = 3.5 -> 4 (rounding each pass would give 3). */
static void
test_resize_mixed_axes_single_rounding (void)
{
  static const guint8 values[6] = { 7, 7, 6, 3, 1, 7 };
  static const guint8 expected[8] = { 7, 6, 6, 6, 4, 5, 2, 5 };
  g_autoptr(BitlensImage) image = image_from_gray (3, 2, values);
  g_autoptr(BitlensImage) resized = bitlens_image_resize (image, 2, 4);

  assert_gray_pixels (resized, 2, 4, expected);
}

/* The naive implementation: for every output pixel and every source pixel, the product of
 * the two axis weights from their continuous definitions, scaled to integers (area: overlap
 * length times D; bilinear: the tent max (0, 1 - |x - s|) times 2D), then one rounding. */
static gint64
naive_axis_weight (int     source_size,
                   int     destination_size,
                   int     d,
                   int     s,
                   gint64 *total)
{
  gint64 S = source_size, D = destination_size;

  if (S == D)
    {
      *total = 1;
      return d == s;
    }
  if (D < S)
    {
      gint64 lo = MAX ((gint64) s * D, d * S), hi = MIN ((gint64) (s + 1) * D, (d + 1) * S);
      *total = S;
      return MAX (hi - lo, 0);
    }
  else
    {
      gint64 x = (2 * (gint64) d + 1) * S - D;   /* the source coordinate times 2D */

      x = CLAMP (x, 0, 2 * D * (S - 1));
      *total = 2 * D;
      return MAX (2 * D - llabs (x - 2 * D * s), 0);
    }
}

static BitlensImage *
naive_resize (const BitlensImage *image,
              int                 width,
              int                 height)
{
  BitlensImage *out = bitlens_image_new (width, height);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      for (int c = 0; c < 3; c++)
        {
          gint64 sum = 0, total_x = 1, total_y = 1;

          for (int sy = 0; sy < image->height; sy++)
            for (int sx = 0; sx < image->width; sx++)
              sum += naive_axis_weight (image->height, height, y, sy, &total_y) *
                     naive_axis_weight (image->width, width, x, sx, &total_x) *
                     image->pixels[((gsize) sy * image->width + sx) * 3 + c];
          out->pixels[((gsize) y * width + x) * 3 + c] = (guint8) ((sum + total_x * total_y / 2) / (total_x * total_y));
        }
  return out;
}

static void
test_resize_matches_naive (void)
{
  GRand *rand = g_rand_new_with_seed (20240611);

  for (int trial = 0; trial < 300; trial++)
    {
      int sw = g_rand_int_range (rand, 1, 24), sh = g_rand_int_range (rand, 1, 24);
      int dw = g_rand_int_range (rand, 1, 40), dh = g_rand_int_range (rand, 1, 40);
      g_autoptr(BitlensImage) image = bitlens_image_new (sw, sh);
      g_autoptr(BitlensImage) fast = NULL;
      g_autoptr(BitlensImage) naive = NULL;

      fill_random (image, trial + 1);
      fast = bitlens_image_resize (image, dw, dh);
      naive = naive_resize (image, dw, dh);
      g_assert_cmpmem (fast->pixels, (gsize) dw * dh * 3, naive->pixels, (gsize) dw * dh * 3);
    }
  g_rand_free (rand);
}

/* --- Preprocessing ----------------------------------------------------------------------- */

static BitlensTensor
make_input_tensor (BitlensTensorType type,
                   int               rank,
                   const int        *shape)
{
  BitlensTensor tensor = { .name = (char *) "input", .type = type, .rank = rank, .n_elements = 1 };

  for (int i = 0; i < rank; i++)
    {
      tensor.shape[i] = shape[i];
      tensor.n_elements *= shape[i];
    }
  tensor.n_bytes = tensor.n_elements * bitlens_tensor_type_size (type);
  return tensor;
}

/* Four pixels whose gray values are worked by hand:
 *   (255, 0, 0): (76245 + 500) / 1000 = 76
 *   (0, 255, 0): (149685 + 500) / 1000 = 150
 *   (0, 0, 255): (29070 + 500) / 1000 = 29
 *   (10, 20, 30): (2990 + 11740 + 3420 + 500) / 1000 = 18 */
static const guint8 four_pixels[12] = { 255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30 };
static const guint8 four_grays[4] = { 76, 150, 29, 18 };

static BitlensImage *
four_pixel_image (void)
{
  BitlensImage *image = bitlens_image_new (2, 2);

  memcpy (image->pixels, four_pixels, sizeof four_pixels);
  return image;
}

static void
test_preprocess_gray_int8 (void)
{
  static const int shape[4] = { 1, 2, 2, 1 };
  BitlensTensor tensor = make_input_tensor (BITLENS_TYPE_INT8, 4, shape);
  g_autoptr(BitlensImage) image = four_pixel_image ();
  g_autoptr(GError) error = NULL;
  gint8 input[4];
  const gint8 expected[4] = { 76 - 128, 150 - 128, 29 - 128, 18 - 128 };

  g_assert_true (bitlens_image_to_input (image, &tensor, input, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (input, 4, expected, 4);
  g_assert_cmpint (input[0], ==, -52);
  g_assert_cmpint (input[1], ==, 22);
}

static void
test_preprocess_gray_uint8_and_float (void)
{
  static const int shape[4] = { 1, 2, 2, 1 };
  BitlensTensor u8 = make_input_tensor (BITLENS_TYPE_UINT8, 4, shape);
  BitlensTensor f32 = make_input_tensor (BITLENS_TYPE_FLOAT32, 4, shape);
  g_autoptr(BitlensImage) image = four_pixel_image ();
  g_autoptr(GError) error = NULL;
  guint8 bytes[4];
  float floats[4];

  g_assert_true (bitlens_image_to_input (image, &u8, bytes, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (bytes, 4, four_grays, 4);

  g_assert_true (bitlens_image_to_input (image, &f32, floats, &error));
  g_assert_no_error (error);
  for (int i = 0; i < 4; i++)
    g_assert_true (floats[i] == (float) four_grays[i] / 255.0f);
}

static void
test_preprocess_rgb (void)
{
  static const int shape[4] = { 1, 2, 2, 3 };
  BitlensTensor i8 = make_input_tensor (BITLENS_TYPE_INT8, 4, shape);
  BitlensTensor u8 = make_input_tensor (BITLENS_TYPE_UINT8, 4, shape);
  BitlensTensor f32 = make_input_tensor (BITLENS_TYPE_FLOAT32, 4, shape);
  g_autoptr(BitlensImage) image = bitlens_image_new (2, 2);
  g_autoptr(GError) error = NULL;
  static const guint8 pixels[12] = { 0, 128, 255, 51, 1, 127, 200, 100, 50, 254, 2, 129 };
  static const gint8 expected_i8[12] = { -128, 0, 127, -77, -127, -1, 72, -28, -78, 126, -126, 1 };
  gint8 q8[12];
  guint8 bytes[12];
  float floats[12];

  memcpy (image->pixels, pixels, 12);
  g_assert_true (bitlens_image_can_fill_input (&i8));
  g_assert_true (bitlens_image_can_fill_input (&u8));
  g_assert_true (bitlens_image_can_fill_input (&f32));
  g_assert_true (bitlens_image_to_input (image, &i8, q8, &error));
  g_assert_cmpmem (q8, 12, expected_i8, 12);
  g_assert_true (bitlens_image_to_input (image, &u8, bytes, &error));
  g_assert_cmpmem (bytes, 12, pixels, 12);
  g_assert_true (bitlens_image_to_input (image, &f32, floats, &error));
  g_assert_no_error (error);
  g_assert_true (floats[0] == 0.0f);
  g_assert_true (floats[2] == 1.0f);
  g_assert_true (floats[3] == 0.2f);      /* 51 / 255 is exactly 0.2: the nearest float */
  for (int i = 0; i < 12; i++)
    g_assert_true (floats[i] == (float) pixels[i] / 255.0f);
}

/* The image is stretched to the input size first: 4 x 4 -> [1,2,2,3] gives the block means. */
static void
test_preprocess_resizes (void)
{
  static const int shape[4] = { 1, 2, 2, 3 };
  static const guint8 values[16] = {
    1, 2, 10, 20,
    3, 4, 30, 41,
    255, 255, 0, 0,
    255, 254, 0, 1,
  };
  static const guint8 expected[12] = { 3, 3, 3, 25, 25, 25, 255, 255, 255, 0, 0, 0 };
  BitlensTensor tensor = make_input_tensor (BITLENS_TYPE_UINT8, 4, shape);
  g_autoptr(BitlensImage) image = image_from_gray (4, 4, values);
  g_autoptr(GError) error = NULL;
  guint8 input[12];

  g_assert_true (bitlens_image_to_input (image, &tensor, input, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (input, 12, expected, 12);
}

/* A real vww image into a [1,96,96,1] int8 input: spot pixels against the formula. */
static void
test_preprocess_real_image (void)
{
  g_autofree char *path = test_shared_path ("data/vww/person/000000000785.png");
  static const int shape[4] = { 1, 96, 96, 1 };
  BitlensTensor tensor = make_input_tensor (BITLENS_TYPE_INT8, 4, shape);
  g_autoptr(BitlensImage) image = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gint8 *input = NULL;

  if (path == NULL)
    return;
  image = bitlens_image_load (path, &error);
  g_assert_no_error (error);
  input = g_new (gint8, 96 * 96);
  g_assert_true (bitlens_image_to_input (image, &tensor, input, &error));
  g_assert_no_error (error);
  for (int p = 0; p < 96 * 96; p += 97)
    {
      const guint8 *rgb = image->pixels + 3 * p;
      int gray = (299 * rgb[0] + 587 * rgb[1] + 114 * rgb[2] + 500) / 1000;
      g_assert_cmpint (input[p], ==, gray - 128);
    }
}

static void
test_preprocess_refuses_other_inputs (void)
{
  static const int two_channels[4] = { 1, 96, 96, 2 };
  static const int batch_two[4] = { 2, 96, 96, 3 };
  static const int rank_three[3] = { 96, 96, 3 };
  static const int good[4] = { 1, 2, 2, 3 };
  const BitlensTensor tensors[] = {
    make_input_tensor (BITLENS_TYPE_INT8, 4, two_channels),
    make_input_tensor (BITLENS_TYPE_INT8, 4, batch_two),
    make_input_tensor (BITLENS_TYPE_INT8, 3, rank_three),
    make_input_tensor (BITLENS_TYPE_INT32, 4, good),
    make_input_tensor (BITLENS_TYPE_INT16, 4, good),
  };
  g_autoptr(BitlensImage) image = four_pixel_image ();
  g_autofree guint8 *input = g_malloc0 (2 * 96 * 96 * 3 * 4);

  for (gsize i = 0; i < G_N_ELEMENTS (tensors); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (bitlens_image_can_fill_input (&tensors[i]));
      g_assert_false (bitlens_image_to_input (image, &tensors[i], input, &error));
      g_assert_error (error, BITLENS_ERROR, BITLENS_ERROR_INPUT_INVALID);
      g_assert_nonnull (strstr (error->message, "[1,H,W,1] or [1,H,W,3]"));
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/resize/same-size-is-a-copy", test_resize_same_size_is_a_copy);
  g_test_add_func ("/resize/constant-stays-constant", test_resize_constant_stays_constant);
  g_test_add_func ("/resize/area-2x2-blocks", test_resize_area_2x2_blocks);
  g_test_add_func ("/resize/area-fractional", test_resize_area_fractional);
  g_test_add_func ("/resize/bilinear-points", test_resize_bilinear_points);
  g_test_add_func ("/resize/mixed-axes-single-rounding", test_resize_mixed_axes_single_rounding);
  g_test_add_func ("/resize/matches-naive", test_resize_matches_naive);
  g_test_add_func ("/preprocess/gray-int8", test_preprocess_gray_int8);
  g_test_add_func ("/preprocess/gray-uint8-and-float", test_preprocess_gray_uint8_and_float);
  g_test_add_func ("/preprocess/rgb", test_preprocess_rgb);
  g_test_add_func ("/preprocess/resizes", test_preprocess_resizes);
  g_test_add_func ("/preprocess/real-image", test_preprocess_real_image);
  g_test_add_func ("/preprocess/refuses-other-inputs", test_preprocess_refuses_other_inputs);

  return g_test_run ();
}
