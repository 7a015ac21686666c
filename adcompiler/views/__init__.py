"""The teaching views: Wengert lists, evaluation traces, computational graphs, local partials."""
