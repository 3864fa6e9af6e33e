export {
  paletteGroups,
  triggersCategory,
  type PaletteGroup,
  type PaletteNodeKind,
  type PaletteOptions,
} from './palette-groups';
export { loadPalette } from './load-palette';
