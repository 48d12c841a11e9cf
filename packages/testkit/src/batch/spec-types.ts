/**
 * Shape of the compact Batch spec facts kept in `spec-facts.json`.
 *
 * A property type is one of: `string`, `integer`, `number`, `boolean`, `object`, `date-time`,
 * `duration`, `#Definition` (a nested object), `enum:Name` (values in `enums`), or `[T]` (array of T).
 */
export type TypeFact = string;

export interface DefinitionFacts {
  properties: Record<string, TypeFact>;
  required?: string[];
  /** Longest allowed string per property (from the description's "cannot contain more than N characters"). */
  maxLength?: Record<string, number>;
  /** Most items allowed per array property. */
  maxItems?: Record<string, number>;
  /** The definition's `id` is case-preserving and case-insensitive. */
  caseInsensitiveId?: boolean;
}

export interface OperationFacts {
  method: string;
  path: string;
  body?: string;
  bodyRequired?: boolean;
  query: string[];
  success: number[];
}

export interface SpecFacts {
  apiVersion: string;
  operations: Record<string, OperationFacts>;
  definitions: Record<string, DefinitionFacts>;
  enums: Record<string, string[]>;
}
