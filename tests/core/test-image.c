/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-test"

#include "config.h"

#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <glib/gstdio.h>
#include <jpeglib.h>
#include <png.h>

#include "test-util.h"

/* Image decoding: real files of ../shared/data against pixel hashes computed by independent
 * decoders, PNGs of every colour type written here with libpng against the conversion rules,
 * and damaged files (truncated, flipped bytes) that must give BITLENS_ERROR_IMAGE_INVALID with
 * the file named. */

static guint32
image_hash (const BitlensImage *image)
{
  return test_fnv1a32 (image->pixels, (gsize) image->width * image->height * 3);
}

static char *
make_temp_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("bitlens-test-image-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
remove_temp_dir (const char *dir)
{
  g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
  const char *name;

  while (listing != NULL && (name = g_dir_read_name (listing)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_assert_cmpint (g_unlink (path), ==, 0);
    }
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

/* --- Real files ------------------------------------------------------------------------ */

typedef struct
{
  const char *relative;
  int         width;
  int         height;
  guint32     hash;        /* FNV-1a-32 of the RGB8 pixels */
  gboolean    gray;        /* R = G = B everywhere */
} RealImage;

/* PNG hashes come from a separate PNG decoder (zlib inflate + unfiltering written from the PNG
 * specification, gray replicated to RGB, alpha dropped); JPEG hashes from libjpeg-turbo's
 * djpeg -pnm (gray PGM replicated to RGB). */
static const RealImage real_images[] = {
  { "data/vww/person/000000000785.png", 96, 96, 0x3b177c45, FALSE },
  { "data/photos/person/skimage_camera.png", 512, 512, 0xcb18804e, TRUE },     /* 8-bit gray */
  { "data/photos/no_person/skimage_horse.png", 400, 328, 0x46b50aa9, FALSE },  /* RGBA */
  { "data/photos/no_person/opencv_cards.png", 640, 480, 0x2103b6a6, FALSE },   /* RGBA */
  { "data/scenes_neg/no_person/a0010.jpg", 256, 256, 0x6c14d674, FALSE },
  { "data/photos/person/opencv_left01.jpg", 640, 480, 0x369525bd, TRUE },      /* gray JPEG */
  { "data/photos/no_person/opencv_HappyFish.jpg", 259, 194, 0x0e82ce6a, FALSE },
  { "data/photos/no_person/opencv_Blender_Suzanne1.jpg", 640, 480, 0xc9d44efd, FALSE }, /* progressive */
  { "data/photos/no_person/opencv_ela_original.jpg", 902, 770, 0xedbc5330, FALSE },     /* progressive */
};

static void
test_load_real_files (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (real_images); i++)
    {
      const RealImage *expected = &real_images[i];
      g_autofree char *path = test_shared_path (expected->relative);
      g_autoptr(BitlensImage) image = NULL;
      g_autoptr(GError) error = NULL;

      if (path == NULL)
        return;
      image = bitlens_image_load (path, &error);
      g_assert_no_error (error);
      g_assert_cmpint (image->width, ==, expected->width);
      g_assert_cmpint (image->height, ==, expected->height);
      g_assert_cmphex (image_hash (image), ==, expected->hash);
      if (expected->gray)
        for (gsize p = 0; p < (gsize) image->width * image->height; p++)
          {
            g_assert_cmpuint (image->pixels[p * 3], ==, image->pixels[p * 3 + 1]);
            g_assert_cmpuint (image->pixels[p * 3], ==, image->pixels[p * 3 + 2]);
          }
    }
}

/* Every image of the dataset folders decodes, at the size labels.csv or the README states. */
static void
test_load_every_vww_image (void)
{
  const char *classes[] = { "person", "no_person" };
  g_autofree char *root = test_shared_path ("data/vww");
  guint n_loaded = 0;

  if (root == NULL)
    return;
  for (gsize c = 0; c < G_N_ELEMENTS (classes); c++)
    {
      g_autofree char *folder = g_build_filename (root, classes[c], NULL);
      g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
      const char *name;

      g_assert_nonnull (dir);
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *path = g_build_filename (folder, name, NULL);
          g_autoptr(GError) error = NULL;
          g_autoptr(BitlensImage) image = bitlens_image_load (path, &error);

          g_assert_no_error (error);
          g_assert_cmpint (image->width, ==, 96);
          g_assert_cmpint (image->height, ==, 96);
          n_loaded++;
        }
    }
  g_assert_cmpuint (n_loaded, ==, 1000);
}

/* --- PNGs of every colour type, written here --------------------------------------------- */

typedef struct
{
  int            width, height, bit_depth, color_type, interlace;
  const guint16 *samples;        /* width * height * channels samples, row-major */
  const png_color *palette;
  int            n_palette;
  const guint8  *trans;          /* tRNS for palettes (alpha per entry) */
  int            n_trans;
  const png_color_16 *trans_color;
} PngSpec;

static int
png_channels (int color_type)
{
  switch (color_type)
    {
    case PNG_COLOR_TYPE_GRAY: return 1;
    case PNG_COLOR_TYPE_GRAY_ALPHA: return 2;
    case PNG_COLOR_TYPE_RGB: return 3;
    case PNG_COLOR_TYPE_RGB_ALPHA: return 4;
    case PNG_COLOR_TYPE_PALETTE: return 1;
    default: g_assert_not_reached ();
    }
}

/* Packs the samples into rows of the PNG's bit depth (big-endian for 16 bits, MSB first for
 * fewer than 8) and writes the file with libpng. */
static void
write_png (const char    *path,
           const PngSpec *spec)
{
  FILE *file = fopen (path, "wb");
  png_structp png = png_create_write_struct (PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  png_infop info = png_create_info_struct (png);
  int channels = png_channels (spec->color_type);
  gsize row_bytes = ((gsize) spec->width * channels * spec->bit_depth + 7) / 8;
  g_autofree guint8 *packed = g_malloc0 (row_bytes * spec->height);
  g_autofree png_bytep *rows = g_new (png_bytep, spec->height);

  g_assert_nonnull (file);
  for (int y = 0; y < spec->height; y++)
    {
      guint8 *row = packed + y * row_bytes;

      rows[y] = row;
      for (int i = 0; i < spec->width * channels; i++)
        {
          guint16 sample = spec->samples[y * spec->width * channels + i];

          if (spec->bit_depth == 16)
            {
              row[2 * i] = sample >> 8;
              row[2 * i + 1] = sample & 0xff;
            }
          else if (spec->bit_depth == 8)
            row[i] = sample;
          else
            {
              int bit = i * spec->bit_depth;
              row[bit / 8] |= sample << (8 - spec->bit_depth - bit % 8);
            }
        }
    }

  g_assert_cmpint (setjmp (png_jmpbuf (png)), ==, 0);
  png_init_io (png, file);
  png_set_IHDR (png, info, spec->width, spec->height, spec->bit_depth, spec->color_type,
                spec->interlace, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (spec->palette != NULL)
    png_set_PLTE (png, info, spec->palette, spec->n_palette);
  if (spec->trans != NULL || spec->trans_color != NULL)
    png_set_tRNS (png, info, spec->trans, spec->n_trans, spec->trans_color);
  png_write_info (png, info);
  png_write_image (png, rows);
  png_write_end (png, NULL);
  png_destroy_write_struct (&png, &info);
  fclose (file);
}

static void
assert_png_decodes_to (const char    *dir,
                       const char    *name,
                       const PngSpec *spec,
                       const guint8  *expected_rgb)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(BitlensImage) image = NULL;
  g_autoptr(GError) error = NULL;

  write_png (path, spec);
  image = bitlens_image_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (image->width, ==, spec->width);
  g_assert_cmpint (image->height, ==, spec->height);
  g_assert_cmpmem (image->pixels, (gsize) spec->width * spec->height * 3,
                   expected_rgb, (gsize) spec->width * spec->height * 3);
}

/* 16-bit samples become round (v * 255 / 65535): (v * 255 + 32767) / 65535. */
static guint8
scale_16 (guint16 v)
{
  return (guint8) (((guint32) v * 255 + 32767) / 65535);
}

static void
test_png_color_types (void)
{
  g_autofree char *dir = make_temp_dir ();

  /* Palette, 2 bits, with a tRNS chunk: colours come from the palette, alpha is dropped. */
  {
    static const png_color palette[3] = { { 255, 0, 0 }, { 10, 20, 30 }, { 0, 0, 255 } };
    static const guint8 trans[3] = { 0, 128, 255 };
    static const guint16 indices[] = { 0, 1, 2, 1, 2, 2, 0, 0 };
    static const guint8 expected[] = {
      255, 0, 0, 10, 20, 30, 0, 0, 255, 10, 20, 30,
      0, 0, 255, 0, 0, 255, 255, 0, 0, 255, 0, 0,
    };
    PngSpec spec = { 4, 2, 2, PNG_COLOR_TYPE_PALETTE, PNG_INTERLACE_NONE, indices,
                     palette, 3, trans, 3, NULL };
    assert_png_decodes_to (dir, "palette.png", &spec, expected);
  }

  /* Gray, 1 bit: 0 -> 0, 1 -> 255, replicated to R = G = B. */
  {
    static const guint16 samples[] = { 0, 1, 1, 0, 1, 0, 0, 1, 1 };
    guint8 expected[9 * 3];
    PngSpec spec = { 9, 1, 1, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, samples };

    for (int i = 0; i < 9; i++)
      memset (expected + 3 * i, samples[i] ? 255 : 0, 3);
    assert_png_decodes_to (dir, "gray1.png", &spec, expected);
  }

  /* Gray, 4 bits: v -> v * 17. */
  {
    static const guint16 samples[] = { 0, 1, 7, 15, 8, 3 };
    guint8 expected[6 * 3];
    PngSpec spec = { 3, 2, 4, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, samples };

    for (int i = 0; i < 6; i++)
      memset (expected + 3 * i, samples[i] * 17, 3);
    assert_png_decodes_to (dir, "gray4.png", &spec, expected);
  }

  /* Gray + alpha, 8 bits: the alpha is dropped, never composited. */
  {
    static const guint16 samples[] = { 200, 0, 50, 128, 7, 255, 99, 1 };
    static const guint8 expected[] = { 200, 200, 200, 50, 50, 50, 7, 7, 7, 99, 99, 99 };
    PngSpec spec = { 2, 2, 8, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_INTERLACE_NONE, samples };
    assert_png_decodes_to (dir, "gray-alpha.png", &spec, expected);
  }

  /* Gray with a tRNS colour: still opaque gray. */
  {
    static const guint16 samples[] = { 5, 6, 5, 250 };
    static const png_color_16 trans_color = { .gray = 5 };
    static const guint8 expected[] = { 5, 5, 5, 6, 6, 6, 5, 5, 5, 250, 250, 250 };
    PngSpec spec = { 4, 1, 8, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, samples,
                     NULL, 0, NULL, 0, &trans_color };
    assert_png_decodes_to (dir, "gray-trns.png", &spec, expected);
  }

  /* Gray, 16 bits: rounding to nearest, around the half-way points of v / 257. */
  {
    static const guint16 samples[] = { 0, 128, 129, 32896, 51528, 51529, 65534, 65535 };
    static const guint8 by_hand[] = { 0, 0, 1, 128, 200, 201, 255, 255 };
    guint8 expected[8 * 3];
    PngSpec spec = { 8, 1, 16, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, samples };

    for (int i = 0; i < 8; i++)
      {
        g_assert_cmpuint (scale_16 (samples[i]), ==, by_hand[i]);
        memset (expected + 3 * i, by_hand[i], 3);
      }
    assert_png_decodes_to (dir, "gray16.png", &spec, expected);
  }

  /* RGBA, 16 bits. */
  {
    static const guint16 samples[] = {
      65535, 0, 257, 0,        129, 51529, 32896, 65535,
      1000, 2000, 3000, 4000,  65280, 255, 256, 12345,
    };
    guint8 expected[4 * 3];
    PngSpec spec = { 2, 2, 16, PNG_COLOR_TYPE_RGB_ALPHA, PNG_INTERLACE_NONE, samples };

    for (int p = 0; p < 4; p++)
      for (int c = 0; c < 3; c++)
        expected[p * 3 + c] = scale_16 (samples[p * 4 + c]);
    g_assert_cmpuint (expected[0], ==, 255);
    g_assert_cmpuint (expected[2], ==, 1);
    g_assert_cmpuint (expected[3], ==, 1);
    g_assert_cmpuint (expected[4], ==, 201);
    assert_png_decodes_to (dir, "rgba16.png", &spec, expected);
  }

  /* RGB, 8 bits, Adam7 interlaced: 7 x 5 pixels reach every pass. */
  {
    guint16 samples[7 * 5 * 3];
    guint8 expected[7 * 5 * 3];
    PngSpec spec = { 7, 5, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_ADAM7, samples };

    for (int i = 0; i < 7 * 5 * 3; i++)
      expected[i] = samples[i] = (i * 37 + 11) % 256;
    assert_png_decodes_to (dir, "adam7.png", &spec, expected);
  }

  remove_temp_dir (dir);
}

static void
test_save_png_round_trip (void)
{
  g_autofree char *dir = make_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "saved.png", NULL);
  g_autoptr(BitlensImage) image = bitlens_image_new (13, 7);
  g_autoptr(BitlensImage) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length;
  guint32 x = 1;

  for (gsize i = 0; i < 13 * 7 * 3; i++)
    {
      x ^= x << 13;
      x ^= x >> 17;
      x ^= x << 5;
      image->pixels[i] = x >> 24;
    }
  g_assert_true (bitlens_image_save_png (image, path, &error));
  g_assert_no_error (error);

  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_cmpuint (length, >, 8);
  g_assert_cmpmem (contents, 8, "\x89PNG\r\n\x1a\n", 8);

  loaded = bitlens_image_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (loaded->width, ==, 13);
  g_assert_cmpint (loaded->height, ==, 7);
  g_assert_cmpmem (loaded->pixels, 13 * 7 * 3, image->pixels, 13 * 7 * 3);

  remove_temp_dir (dir);
}

static void
test_save_png_unwritable (void)
{
  g_autoptr(BitlensImage) image = bitlens_image_new (2, 2);
  g_autoptr(GError) error = NULL;

  g_assert_false (bitlens_image_save_png (image, "/nonexistent-bitlens-dir/out.png", &error));
  g_assert_error (error, BITLENS_ERROR, BITLENS_ERROR_IO);
}

/* --- Damaged and foreign files ----------------------------------------------------------- */

static void
write_bytes (const char *path,
             const void *bytes,
             gsize       n_bytes)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, bytes, n_bytes, &error);
  g_assert_no_error (error);
}

static void
assert_refused (const char *path,
                const char *expected_phrase)
{
  g_autofree char *base = g_path_get_basename (path);
  g_autoptr(BitlensImage) image = NULL;
  g_autoptr(GError) error = NULL;

  image = bitlens_image_load (path, &error);
  g_assert_null (image);
  g_assert_error (error, BITLENS_ERROR, BITLENS_ERROR_IMAGE_INVALID);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, base));
  if (expected_phrase != NULL)
    g_assert_nonnull (strstr (error->message, expected_phrase));
}

static void
test_truncated_and_flipped_png (void)
{
  g_autofree char *source = test_shared_path ("data/vww/person/000000000785.png");
  g_autofree char *dir = NULL;
  g_autofree char *contents = NULL;
  gsize length;
  /* 8: the signature only; 20: inside IHDR; 100 and half: inside the image data; the last
   * byte of IEND's CRC; IEND missing entirely. */
  gsize cuts[6] = { 8, 20, 100, 0, 0, 0 };

  if (source == NULL)
    return;
  g_assert_true (g_file_get_contents (source, &contents, &length, NULL));
  cuts[3] = length / 2;
  cuts[4] = length - 1;
  cuts[5] = length - 12;
  dir = make_temp_dir ();

  for (gsize i = 0; i < G_N_ELEMENTS (cuts); i++)
    {
      g_autofree char *name = g_strdup_printf ("cut-%" G_GSIZE_FORMAT ".png", cuts[i]);
      g_autofree char *path = g_build_filename (dir, name, NULL);

      write_bytes (path, contents, cuts[i]);
      assert_refused (path, "PNG");
    }

  /* A flipped byte in the middle of the image data: the IDAT CRC no longer matches. */
  {
    g_autofree char *path = g_build_filename (dir, "flipped-idat.png", NULL);
    g_autofree char *copy = g_memdup2 (contents, length);

    copy[length / 2] ^= 0x5a;
    write_bytes (path, copy, length);
    assert_refused (path, "IDAT");
  }
  /* A flipped byte in IHDR's width. */
  {
    g_autofree char *path = g_build_filename (dir, "flipped-ihdr.png", NULL);
    g_autofree char *copy = g_memdup2 (contents, length);

    copy[18] ^= 0x01;
    write_bytes (path, copy, length);
    assert_refused (path, "PNG");
  }

  remove_temp_dir (dir);
}

static gsize
find_marker (const guint8 *data,
             gsize         length,
             guint8        marker)
{
  for (gsize i = 2; i + 1 < length; i++)
    if (data[i] == 0xff && data[i + 1] == marker)
      return i;
  g_assert_not_reached ();
}

static void
test_truncated_and_flipped_jpeg (void)
{
  g_autofree char *source = test_shared_path ("data/scenes_neg/no_person/a0010.jpg");
  g_autofree char *dir = NULL;
  g_autofree char *contents = NULL;
  gsize length;
  /* Inside the headers, inside the entropy-coded data, just before EOI. */
  gsize cuts[5] = { 3, 100, 0, 0, 0 };

  if (source == NULL)
    return;
  g_assert_true (g_file_get_contents (source, &contents, &length, NULL));
  cuts[2] = length / 2;
  cuts[3] = length - 100;
  cuts[4] = length - 2;
  dir = make_temp_dir ();

  for (gsize i = 0; i < G_N_ELEMENTS (cuts); i++)
    {
      g_autofree char *name = g_strdup_printf ("cut-%" G_GSIZE_FORMAT ".jpg", cuts[i]);
      g_autofree char *path = g_build_filename (dir, name, NULL);

      write_bytes (path, contents, cuts[i]);
      assert_refused (path, "JPEG");
    }

  /* Counts of a Huffman table set to 0xff: more than 256 codes. */
  {
    g_autofree char *path = g_build_filename (dir, "bad-huffman.jpg", NULL);
    g_autofree guint8 *copy = g_memdup2 (contents, length);
    gsize dht = find_marker (copy, length, 0xc4);

    memset (copy + dht + 5, 0xff, 16);
    write_bytes (path, copy, length);
    assert_refused (path, "Huffman");
  }
  /* A zero height in the frame header. */
  {
    g_autofree char *path = g_build_filename (dir, "zero-height.jpg", NULL);
    g_autofree guint8 *copy = g_memdup2 (contents, length);
    gsize sof = find_marker (copy, length, 0xc0);

    copy[sof + 5] = 0;
    copy[sof + 6] = 0;
    write_bytes (path, copy, length);
    assert_refused (path, "JPEG");
  }

  remove_temp_dir (dir);
}

static void
test_not_an_image (void)
{
  g_autofree char *dir = make_temp_dir ();
  g_autofree char *text = g_build_filename (dir, "notes.png", NULL);
  g_autofree char *empty = g_build_filename (dir, "empty.jpg", NULL);
  g_autofree char *bmp = test_shared_path ("models/tflm/person.bmp");
  g_autofree char *missing = g_build_filename (dir, "missing.png", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensImage) image = NULL;

  write_bytes (text, "hello, world\n", 13);
  write_bytes (empty, "", 0);
  assert_refused (text, "not a PNG or JPEG file");
  assert_refused (empty, "not a PNG or JPEG file");
  if (bmp != NULL)
    assert_refused (bmp, "not a PNG or JPEG file");

  image = bitlens_image_load (missing, &error);
  g_assert_null (image);
  g_assert_error (error, BITLENS_ERROR, BITLENS_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "missing.png"));

  remove_temp_dir (dir);
}

/* --- Size limits ------------------------------------------------------------------------- */

static void
write_gray_jpeg (const char *path,
                 int         width,
                 int         height)
{
  struct jpeg_compress_struct cinfo;
  struct jpeg_error_mgr jerr;
  g_autofree guint8 *row = g_malloc0 (width);
  FILE *file = fopen (path, "wb");

  g_assert_nonnull (file);
  cinfo.err = jpeg_std_error (&jerr);
  jpeg_create_compress (&cinfo);
  jpeg_stdio_dest (&cinfo, file);
  cinfo.image_width = width;
  cinfo.image_height = height;
  cinfo.input_components = 1;
  cinfo.in_color_space = JCS_GRAYSCALE;
  jpeg_set_defaults (&cinfo);
  jpeg_set_quality (&cinfo, 100, TRUE);
  jpeg_start_compress (&cinfo, TRUE);
  for (int i = 0; i < width; i++)
    row[i] = 77;
  while (cinfo.next_scanline < cinfo.image_height)
    {
      JSAMPROW rows[1] = { row };
      jpeg_write_scanlines (&cinfo, rows, 1);
    }
  jpeg_finish_compress (&cinfo);
  jpeg_destroy_compress (&cinfo);
  fclose (file);
}

static void
test_size_limit (void)
{
  g_autofree char *dir = make_temp_dir ();
  g_autofree guint16 *samples = g_new0 (guint16, BITLENS_IMAGE_MAX_SIDE + 1);
  const struct { int width, height; gboolean accepted; } sizes[] = {
    { BITLENS_IMAGE_MAX_SIDE, 1, TRUE },
    { BITLENS_IMAGE_MAX_SIDE + 1, 1, FALSE },
    { 1, BITLENS_IMAGE_MAX_SIDE + 1, FALSE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autofree char *png_path = g_strdup_printf ("%s/size-%" G_GSIZE_FORMAT ".png", dir, i);
      g_autofree char *jpeg_path = g_strdup_printf ("%s/size-%" G_GSIZE_FORMAT ".jpg", dir, i);
      PngSpec spec = { sizes[i].width, sizes[i].height, 1, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, samples };
      const char *paths[2] = { png_path, jpeg_path };

      write_png (png_path, &spec);
      write_gray_jpeg (jpeg_path, sizes[i].width, sizes[i].height);
      for (int p = 0; p < 2; p++)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(BitlensImage) image = bitlens_image_load (paths[p], &error);

          if (sizes[i].accepted)
            {
              g_assert_no_error (error);
              g_assert_cmpint (image->width, ==, sizes[i].width);
              g_assert_cmpint (image->height, ==, sizes[i].height);
              g_assert_cmpuint (image->pixels[0], ==, p == 0 ? 0 : 77);
            }
          else
            {
              g_assert_null (image);
              g_assert_error (error, BITLENS_ERROR, BITLENS_ERROR_IMAGE_INVALID);
              g_assert_nonnull (strstr (error->message, "at most 16384 pixels per side"));
            }
        }
    }

  remove_temp_dir (dir);
}

static void
test_copy (void)
{
  g_autoptr(BitlensImage) image = bitlens_image_new (3, 2);
  g_autoptr(BitlensImage) copy = NULL;

  for (int i = 0; i < 18; i++)
    g_assert_cmpuint (image->pixels[i], ==, 0);
  for (int i = 0; i < 18; i++)
    image->pixels[i] = i * 10;
  copy = bitlens_image_copy (image);
  g_assert_true (copy->pixels != image->pixels);
  g_assert_cmpint (copy->width, ==, 3);
  g_assert_cmpint (copy->height, ==, 2);
  g_assert_cmpmem (copy->pixels, 18, image->pixels, 18);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/image/load/real-files", test_load_real_files);
  g_test_add_func ("/image/load/every-vww-image", test_load_every_vww_image);
  g_test_add_func ("/image/load/png-color-types", test_png_color_types);
  g_test_add_func ("/image/load/truncated-and-flipped-png", test_truncated_and_flipped_png);
  g_test_add_func ("/image/load/truncated-and-flipped-jpeg", test_truncated_and_flipped_jpeg);
  g_test_add_func ("/image/load/not-an-image", test_not_an_image);
  g_test_add_func ("/image/load/size-limit", test_size_limit);
  g_test_add_func ("/image/copy", test_copy);
  g_test_add_func ("/image/save-png/round-trip", test_save_png_round_trip);
  g_test_add_func ("/image/save-png/unwritable", test_save_png_unwritable);

  return g_test_run ();
}
