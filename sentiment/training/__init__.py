"""Everything that fits or measures the model: `umot train`, `umot evaluate`, distillation.

By job: presets (the shipped recipes, licences), datasets (the labelled-CSV reader), features
(pooled sentence vectors, cached), fit (``train_heads``), encoder_choice (the cut and adapter
the heads read), fit_heads and fit_lexical (each head's fit), hyperparams (every
hyper-parameter), adapter, lora and examples (the LoRA adapter), teacher (distillation),
evaluate and metrics (scores), card and outputs (the heads directory).

These modules import the inference modules of ``sentiment``; inference never imports this
package (the import-linter contract "Inference never imports training" in pyproject.toml).
"""
