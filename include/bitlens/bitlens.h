/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "bitlens-error.h"
#include "bitlens-tensor.h"
#include "bitlens-op.h"
#include "bitlens-model.h"
#include "bitlens-interpreter.h"
#include "bitlens-image.h"
#include "bitlens-saliency.h"
#include "bitlens-render.h"
#include "bitlens-dataset.h"
#include "bitlens-expression.h"
#include "bitlens-evaluation.h"
#include "bitlens-datatest.h"
#include "bitlens-bias.h"
#include "bitlens-statistics.h"
#include "bitlens-train.h"
