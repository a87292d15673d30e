declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}

declare module '*.css';

// Assets imported for their URL (the app icon from resources/).
declare module '*.svg' {
  const url: string;
  export default url;
}
