"""Everything that fits the model: `umot train`, distillation, adapters, evaluation, data cards.

Inference modules never import this package."""
