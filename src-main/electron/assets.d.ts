// `…?asset` imports in the main process: electron-vite turns one into the file's path at run time
// (resources/, its public folder for the main process, is referenced where it is, beside out/).
declare module '*?asset' {
  const path: string;
  export default path;
}
