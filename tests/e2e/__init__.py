"""Real-browser tests: the real server and headless Chromium (Playwright)."""
