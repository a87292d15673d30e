// Hash history: the same URLs work from Electron's file:// page and from the web host, which
// serves only the built renderer (no server-side fallback for deep links).
import { createRouter, createWebHashHistory } from 'vue-router';
import RunsView from './views/RunsView.vue';
import { installViewFocus } from './composables/viewFocus';

export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/', redirect: '/runs' },
    { path: '/runs', name: 'runs', component: RunsView, meta: { title: 'Runs' } },
    { path: '/new', name: 'new', component: () => import('./views/NewRunView.vue'), meta: { title: 'New run' } },
    { path: '/runs/:id(\\d+)', name: 'run', component: () => import('./views/RunDetailView.vue'), props: (r) => ({ id: Number(r.params.id) }), meta: { title: 'Run' } },
    { path: '/compare', name: 'compare', component: () => import('./views/CompareView.vue'), meta: { title: 'Compare' } },
    { path: '/draw', name: 'draw', component: () => import('./views/DrawView.vue'), meta: { title: 'Draw a digit' } },
    { path: '/explore', name: 'explore', component: () => import('./views/ExploreView.vue'), meta: { title: 'Settings against results' } },
    { path: '/sweeps', name: 'sweeps', component: () => import('./views/SweepsView.vue'), meta: { title: 'Sweeps' } },
    { path: '/sweeps/:id(\\d+)', name: 'sweep', component: () => import('./views/SweepView.vue'), props: (r) => ({ id: Number(r.params.id) }), meta: { title: 'Sweep' } },
    { path: '/:rest(.*)*', redirect: '/runs' },
  ],
});

router.afterEach((to) => {
  document.title = `${(to.meta.title as string | undefined) ?? 'LeNet Workbench'} · LeNet Workbench`;
});

installViewFocus(router);
