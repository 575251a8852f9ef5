// Integration tests start real processes: give each test up to three minutes.
jest.setTimeout(180_000);
