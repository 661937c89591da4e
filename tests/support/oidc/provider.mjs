// A real OpenID Connect provider (the certified npm package oidc-provider) for the tests.
// Usage: node provider.mjs CONFIG.json — config written by tests/support/oidc_provider.py:
// {"port", "issuer", "clients": [...], "accounts": {"<login>": {claims}}, "jwks": {"keys": [...]}}
// Login and consent use the package's development interactions (any password is accepted).
import { readFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const cfg = JSON.parse(readFileSync(process.argv[2], 'utf8'));

const provider = new Provider(cfg.issuer, {
  clients: cfg.clients,
  jwks: cfg.jwks,
  cookies: { keys: ['beteiligung-test-cookie-key'] },
  scopes: ['openid', 'email', 'profile', 'groups'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
    groups: ['groups'],
  },
  conformIdTokenClaims: false, // the requested claims are in the ID token as well
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  async findAccount(ctx, id) {
    const claims = cfg.accounts[id];
    if (!claims) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
});
provider.proxy = false;

const server = provider.listen(cfg.port, '127.0.0.1', () => {
  console.log(`ready ${cfg.issuer}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
