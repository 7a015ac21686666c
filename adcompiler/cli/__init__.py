"""The ``adc`` command line."""
