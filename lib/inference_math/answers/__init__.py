"""Exercise registrations, one module per chapter (imported by ``inference_math.exercises``)."""
