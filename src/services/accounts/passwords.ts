/** Password hashing: argon2id through Bun.password (asynchronous; never call inside a transaction). */

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(password: string, hash: string): Promise<boolean>;
}

export interface Argon2Cost {
  /** KiB of memory per hash. */
  memoryCost: number;
  timeCost: number;
}

export function argon2idHasher(cost?: Argon2Cost): PasswordHasher {
  return {
    hash: (password) => Bun.password.hash(password, { algorithm: "argon2id", ...cost }),
    async verify(password, hash) {
      try {
        return await Bun.password.verify(password, hash);
      } catch {
        return false; // an unreadable stored hash never matches
      }
    },
  };
}
