"""The fake Hub: a registry file served over HTTP exactly as huggingface.co serves the real one."""
