/** @module The English function words the built-in embedder weights down: a fixed list, so vectors never depend on the corpus. */

/**
 * Articles, pronouns, auxiliaries, prepositions, conjunctions and a few very common adverbs (lower case). Part of the
 * built-in embedder's version: changing this list changes every vector, so it needs a new `builtinEmbedderVersion`.
 */
export const stopwords: readonly string[] = `a|about|above|after|again|against|all|also|am|an|and|any|are|as|at|be|because|been|before|being|below|between|
both|but|by|can|could|did|do|does|doing|down|during|each|either|few|for|from|further|had|has|have|having|he|her|here|hers|herself|
him|himself|his|how|i|if|in|into|is|it|its|itself|just|may|me|might|more|most|much|must|my|myself|neither|no|nor|not|now|of|off|on|
once|only|or|other|our|ours|ourselves|out|over|own|same|shall|she|should|so|some|such|than|that|the|their|theirs|them|themselves|
then|there|these|they|this|those|through|thus|to|too|under|until|up|upon|us|very|was|we|were|what|when|where|whether|which|while|
who|whom|whose|why|will|with|within|without|would|yet|you|your|yours|yourself|yourselves|s|t|d|ll|m|re|ve`
  .split('|')
  .map((word) => word.trim())
  .filter(Boolean);
