/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <bitlens/bitlens.h>
#include <bitlens/bitlens-dataset.h>
#include <bitlens/bitlens-evaluation.h>

G_BEGIN_DECLS

/* What eval, failures, test and bias share: loading a dataset (with a split), evaluating it
 * with progress on stderr and Ctrl+C to cancel, and printing problems. */

/* The dataset at `path`, narrowed to `split` when not NULL (found by
 * bitlens_dataset_find_split_file from the current directory). */
BitlensDataset    *cli_data_load_dataset   (const char                     *path,
                                            const char                     *split,
                                            GError                        **error);
/* Runs bitlens_evaluation_run_async in a main loop: progress on stderr when it is a
 * terminal, SIGINT cancels (BITLENS_ERROR_CANCELLED). */
BitlensEvaluation *cli_data_evaluate       (BitlensDataset                 *dataset,
                                            BitlensModel                   *model,
                                            const BitlensEvaluationOptions *options,
                                            GError                        **error);
/* Prints up to `limit` problems on stderr, then how many more there are. */
void               cli_data_print_problems (BitlensEvaluation              *evaluation,
                                            guint                           limit);
/* A --threshold value must be in [0, 1]; a --threads value at least 0. */
gboolean           cli_data_check_threshold (double                         threshold,
                                             GError                       **error);
/* "person" or "no person". */
const char        *cli_data_label_name     (int                             label);

G_END_DECLS
