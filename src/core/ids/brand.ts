/** A string (or other base type) that has passed a parser. Only parse functions create branded values. */
declare const brand: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brand]: B };
