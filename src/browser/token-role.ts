/**
 * The role a relay token grants (its `role` claim: caller, answerer or both), read from the
 * token the page already holds to shape what the page offers (an answerer's page shows no call
 * buttons). Never trusted for anything else: the relay checks the token's signature and role.
 */
export function tokenRole(token: string | null | undefined): string | undefined {
  try {
    return (JSON.parse(atob(token!.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { role?: string }).role;
  } catch {
    return undefined; // no token, or not a JWT (a relay with its own `authorize` check)
  }
}
